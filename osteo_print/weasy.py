"""WeasyPrint, imported without its slow search for its libraries on Linux.

WeasyPrint opens its C libraries (GObject, Pango, HarfBuzz, fontconfig) by trying, for
each, the names they have on Windows and macOS before the Linux ones. cffi looks up
every name that does not open as it is with ``ctypes.util.find_library``, which on
Linux runs ``ldconfig -p``, then ``gcc`` and ``ld``: some fifty processes and about
0.4 s, a quarter of the start of every osteo-print command that renders and of each of
its worker processes. On Linux the libraries open by their own names
(``libpango-1.0.so.0``...), so when each of them does, WeasyPrint is first imported
with that search answering "not found" at once: it then opens the same files, by those
names. Anywhere else, or if one of them does not open so, WeasyPrint is imported as it
is, with the search.

Import WeasyPrint through this module (``from osteo_print.weasy import weasyprint``)
before anything else imports it; later imports find it loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import sys
from collections.abc import Iterator

# The libraries WeasyPrint needs, by the name each has on Linux (its text/ffi.py tries
# these among others; HarfBuzz's subsetter and vector libraries are optional there).
LINUX_NAMES = ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libharfbuzz.so.0",
               "libfontconfig.so.1", "libpangoft2-1.0.so.0")


def direct_names_open() -> bool:
    """Whether every library WeasyPrint needs opens by its Linux name, without a search."""
    if not sys.platform.startswith("linux"):
        return False
    for name in LINUX_NAMES:
        try:
            ctypes.CDLL(name)
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _without_library_search() -> Iterator[None]:
    found = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = found


def _import() -> None:
    """Import WeasyPrint, without the search where that works. What WeasyPrint prints
    as it imports (its advice to install the libraries, before it fails) is held back
    until the import without the search succeeds, and dropped if it fails."""
    if "weasyprint" in sys.modules or not direct_names_open():
        import weasyprint  # noqa: F401
        return
    said = io.StringIO()
    try:
        with _without_library_search(), contextlib.redirect_stdout(said):
            import weasyprint  # noqa: F401
    except Exception:  # a library this module does not list: import it with the search
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith(
                "weasyprint.")]:
            del sys.modules[name]
        import weasyprint  # noqa: F401
    else:
        if said.getvalue() and sys.stdout is not None:  # None: started without a stdout
            sys.stdout.write(said.getvalue())


_import()

import weasyprint  # noqa: E402  (loaded above)
from weasyprint.text import ffi  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import (  # noqa: E402
    FatalURLFetchingError,
    URLFetcher,
    URLFetcherResponse,
)

__all__ = ["FatalURLFetchingError", "FontConfiguration", "URLFetcher", "URLFetcherResponse",
           "ffi", "weasyprint"]
