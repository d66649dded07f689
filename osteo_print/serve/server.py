"""The preview's HTTP server: 127.0.0.1 only, the preview folder's files and nothing else.

``/`` is the index (``page.index_page``), ``/__events`` the build events (Server-Sent
Events), and any other path a file of the preview folder: a plain file under it, by a
path with no ``..``, no empty or hidden part and no link anywhere along it. Everything
else is 404. HTML pages get the reload script (``page.inject``); nothing is cached.
"""

from __future__ import annotations

import errno
import json
import os
import socketserver
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from osteo_print.errors import OsteoPrintError, Problem
from osteo_print.serve.page import EVENTS, client_script, index_page, inject
from osteo_print.serve.state import State

HOST = "127.0.0.1"  # never another: the preview is for the person at this machine
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle event stream
RETRY_MS = 1000  # how soon a browser reconnects to the events after losing them
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".json": "application/json",
         ".pdf": "application/pdf", ".svg": "image/svg+xml", ".png": "image/png",
         ".jpg": "image/jpeg", ".woff2": "font/woff2", ".woff": "font/woff",
         ".ttf": "font/ttf", ".otf": "font/otf", ".txt": "text/plain; charset=utf-8"}


class PortInUse(OsteoPrintError):
    """The port asked for is taken by another program."""


def request_path(target: str) -> str | None:
    """The path of a request target in origin form (``/a/b?x``), not decoded; None for
    any other form (``http://host/a``, ``*``), which a browser never sends here."""
    if not target.startswith("/"):
        return None
    return target.split("?", 1)[0].split("#", 1)[0]


def resolve(root: Path, target: str) -> Path | None:
    """The file of the preview folder ``root`` that a request target names, or None.

    Refused: anything but an absolute path; ``.`` and ``..`` parts, also encoded
    (``%2e%2e``) or with encoded slashes; empty parts (``//etc``); hidden names (the
    build cache, the lock); backslashes and NUL; a link anywhere on the way; anything
    that is not a regular file under ``root``.
    """
    path = request_path(target)
    if path is None:
        return None
    text = unquote(path, errors="strict")
    if "\\" in text or "\x00" in text:
        return None
    parts = text[1:].split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    base = os.path.realpath(root)
    candidate = os.path.join(base, *parts)
    if os.path.realpath(candidate) != candidate:  # a link along the way (or to outside)
        return None
    return Path(candidate) if os.path.isfile(candidate) else None


class PreviewServer(ThreadingHTTPServer):
    """Serves one preview folder and the events of one ``State``."""

    daemon_threads = True  # an open event stream never holds up the stop
    block_on_close = False

    def __init__(self, port: int, folder: Path, state: State) -> None:
        self.folder = folder
        self.state = state
        try:
            super().__init__((HOST, port), PreviewHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"Port {port} on {HOST} is already in use by another program.",
                    [Problem(f"{HOST}:{port}", None, "", "choose another port (--port N), "
                             "or --port 0 for any free one")]) from None
            raise PortInUse(f"Cannot listen on {HOST}:{port}.",
                            [Problem(f"{HOST}:{port}", None, "", exc.strerror or str(exc))]
                            ) from None

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up (socket.getfqdn): not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "osteo-print-serve"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows builds, not requests

    def _answer(self, body: bool) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden\n", "text/plain; charset=utf-8", body)
            return
        path = request_path(self.path)
        if path == "/":
            snap = self.server.state.snapshot()
            page = index_page(snap, self.server.folder).encode("utf-8")
            self._send(HTTPStatus.OK, page, TYPES[".html"], body)
        elif path == EVENTS:
            self._events(body)
        else:
            self._file(body)

    def _host_allowed(self) -> bool:
        """Only this machine's names for the server: a page of another site that
        rebinds its name to 127.0.0.1 gets nothing (DNS rebinding)."""
        host = self.headers.get("Host")
        port = self.server.port
        return host is None or host in (f"{HOST}:{port}", f"localhost:{port}")

    def _file(self, body: bool) -> None:
        try:
            found = resolve(self.server.folder, self.path)
        except (UnicodeDecodeError, ValueError):
            found = None
        if found is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", body)
            return
        state = self.server.state
        gen, run = state.gen, state.run  # before reading: a newer file reloads once more
        try:
            data = found.read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", body)
            return
        kind = TYPES.get(found.suffix.lower(), "application/octet-stream")
        if found.suffix.lower() == ".html":
            data = inject(data, client_script(found.name, gen, run))
        self._send(HTTPStatus.OK, data, kind, body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self, body: bool) -> None:
        """Stream a message now and after every build: the files changed since the
        generation the client had, the errors, and this server's run id."""
        query = parse_qs(urlsplit(self.path).query)
        try:
            seen = int(query.get("since", ["0"])[0])
        except ValueError:
            seen = 0
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not body:
            return
        state = self.server.state
        try:
            self.wfile.write(f"retry: {RETRY_MS}\n\n".encode())
            while not state.stopping:
                snap = state.snapshot()
                message = {"run": snap.run, "gen": snap.gen, "errors": snap.errors,
                           "changed": state.changed_since(seen), "building": snap.building}
                self.wfile.write(f"data: {json.dumps(message)}\n\n".encode())
                self.wfile.flush()
                seen = snap.gen
                while state.wait(seen, HEARTBEAT) == seen and not state.stopping:
                    self.wfile.write(b": still here\n\n")  # finds a closed connection
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass  # the page went away
