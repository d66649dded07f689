"""Read the project's input files safely: regular files only, of bounded size, and only
inside the folders a build may read.

Every input file (content YAML, ``sources.yaml``, quiz banks, ``osteo-print.toml``,
``audience.toml``, the clinic's logo) is read through ``read_input``. It never blocks
(a pipe named ``stages.yaml`` is refused, not waited on), never reads without limit
(``/dev/zero`` is refused before a byte is read), and, given ``roots``, refuses a file
whose real path (symbolic links followed) lies outside them, naming the link that leads
out. Mistakes come back as ``InputFileError`` carrying a located ``Problem``.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from collections.abc import Sequence
from pathlib import Path

from osteo_print.errors import Problem, display_path

MAX_TEXT_BYTES = 2_000_000  # YAML and TOML inputs: a handout is a few kB
MAX_IMAGE_BYTES = 2_000_000  # a logo


class InputFileError(Exception):
    """An input file cannot be read safely; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def kind_of(mode: int) -> str:
    """Name what a file that is not a regular file is, in plain words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def real_roots(roots: Sequence[Path]) -> tuple[Path, ...]:
    """The real paths of ``roots`` (the ones that exist)."""
    out = []
    for root in roots:
        try:
            out.append(Path(os.path.realpath(root, strict=True)))
        except OSError:
            continue
    return tuple(dict.fromkeys(out))


def is_inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def outside_problem(path: Path, roots: Sequence[Path], shown_roots: str = "the project"
                    ) -> Problem | None:
    """A problem naming the link that leads ``path`` out of ``roots`` (real paths), a
    loop of links, or None when the real path of ``path`` is inside."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Problem(display_path(_first_link(path) or path), None, "",
                           "a loop of symbolic links")
        # Missing: outside is still outside ("../../etc/passwd" from an installed
        # package's folder), whatever exists there; inside, the reader says it is missing.
        real = Path(os.path.realpath(path))
        if is_inside(real, roots):
            return None
    if is_inside(real, roots):
        return None
    link = _first_link(path, roots)
    if link is None:
        return Problem(display_path(path), None, "", f"is outside {shown_roots}")
    return Problem(display_path(link), None, "", (
        f"is a link to {os.path.realpath(link)}, outside {shown_roots}; osteo-print reads "
        "only files inside it: copy the file in instead of linking to it"))


def _first_link(path: Path, roots: Sequence[Path] | None = None) -> Path | None:
    """The first symbolic link on the way to ``path`` whose target leaves ``roots`` (or,
    without roots, the first link at all) — the one to name in a message."""
    absolute = Path(os.path.abspath(path))
    for candidate in (*reversed(absolute.parents), absolute):
        if not candidate.is_symlink():
            continue
        if roots is None:
            return candidate
        try:
            real = Path(os.path.realpath(candidate, strict=True))
        except OSError:
            return candidate
        if not is_inside(real, roots):
            return candidate
    return None


def read_input(path: Path, max_bytes: int = MAX_TEXT_BYTES,
               roots: Sequence[Path] | None = None, shown_roots: str = "the project"
               ) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; raise InputFileError.

    With ``roots`` (real paths, see ``real_roots``), the file's real path must lie inside
    one of them. The file is opened without blocking and checked (``fstat``) before a
    byte is read, so a pipe, a device or a socket is refused at once.
    """
    def refuse(message: str) -> InputFileError:  # the name is worked out only then
        return InputFileError(Problem(display_path(path), None, "", message))

    try:  # stat follows links and never blocks: refuse what is no plain file first
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0  # missing, a loop...: open() below says which
    if mode and not stat.S_ISREG(mode):
        raise refuse(_not_regular(mode))
    if roots is not None and (problem := outside_problem(path, roots, shown_roots)):
        raise InputFileError(problem)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    target: Path = path
    if roots is not None:  # open the real path checked above, and nothing it may become
        target = Path(os.path.realpath(path))
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise refuse(f"is a link to {os.readlink(path)}, which does not exist") from None
        raise refuse("file not found") from None
    except IsADirectoryError:
        raise refuse("is a folder, expected a file") from None
    except PermissionError:
        raise refuse("cannot read: permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse("a loop of symbolic links") from None
        raise refuse(f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(_not_regular(info.st_mode))
        if info.st_size > max_bytes:
            raise refuse(_too_big(info.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew while being read
            raise refuse(_too_big(size, max_bytes))
        return b"".join(chunks)
    except OSError as exc:
        raise refuse(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, expected a file"
    return f"is not a regular file ({kind_of(mode)}); osteo-print reads only plain files"


def _too_big(size: int, limit: int) -> str:
    return f"file is {size / 1e6:.1f} MB; this file must be under {limit / 1e6:g} MB"


MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: a poster at 300 dpi; decoded, 160 MB
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (IHDR), without decoding anything."""
    if data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def pixel_problem(data: bytes) -> str | None:
    """Say so when a raster image has too many pixels to decode safely (a
    "decompression bomb": a small file that unpacks to gigabytes), else None."""
    size = png_size(data)
    if size is None:
        import io
        import warnings

        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                with Image.open(io.BytesIO(data)) as image:  # reads the header only
                    size = image.size
            except Image.DecompressionBombError:
                return (f"the image has more than {MAX_IMAGE_PIXELS // 1_000_000} million "
                        "pixels; scale it down")
            except Exception:  # not an image Pillow knows: not a raster to decode
                return None
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        return (f"the image is {width} × {height} pixels ({width * height / 1e6:.0f} "
                f"megapixels); images may have at most {MAX_IMAGE_PIXELS // 1_000_000} "
                "megapixels: scale it down")
    return None
