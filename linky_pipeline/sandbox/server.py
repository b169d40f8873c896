"""The sandbox as a real HTTP server on 127.0.0.1 (stdlib ThreadingHTTPServer, no web framework)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from linky_pipeline.sandbox.app import Response, SandboxApp, json_response
from linky_pipeline.sandbox.ores import OresSandbox, OresSandboxSettings
from linky_pipeline.sandbox.settings import SandboxError, SandboxSettings

ORES_MOUNT = "/ores"  # the ORES emulator answers under <url>/ores; everything else is Enedis


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP/1.1 adapter: read the request, hand it to the app, write the answer."""

    protocol_version = "HTTP/1.1"
    server_version = "EnedisSandbox/1.0"
    disable_nagle_algorithm = True  # headers and body go out as two writes: avoid the 40 ms delayed-ACK stall

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            app, path = self.server.route(parts.path)  # type: ignore[attr-defined]
            response = app.handle(method, path, parts.query, headers, body)
        except Exception:  # a bug in the sandbox must answer 500, not drop the connection
            response = json_response(500, {"error": "sandbox_bug", "error_description": "unexpected sandbox error"})
        self._write(response)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: object) -> None:
        """Silent: request lines carry bearer tokens' neighbours and would flood test output."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp, ores: OresSandbox) -> None:
        self.app, self.ores = app, ores
        super().__init__(address, _Handler)

    def route(self, path: str) -> tuple[SandboxApp | OresSandbox, str]:
        """The emulator a path belongs to, and the path as that emulator sees it."""
        if path == ORES_MOUNT or path.startswith(ORES_MOUNT + "/"):
            return self.ores, path[len(ORES_MOUNT) :] or "/"
        return self.app, path

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (its timeout) while a fault stalled the answer is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class SandboxServerError(SandboxError):
    """The server was used in the wrong state (e.g. url before start)."""


class SandboxServer:
    """The Enedis and ORES emulators on a background thread; `with SandboxServer() as s:` starts and stops it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: SandboxSettings | None = None,
        ores_settings: OresSandboxSettings | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.settings = settings or SandboxSettings()
        self.app = SandboxApp(self.settings)
        self.ores = OresSandbox(ores_settings)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        if self._server is None:
            raise SandboxServerError("url is only known once the server is started")
        host, port = self._server.server_address[:2]
        if not isinstance(host, str):  # typeshed allows bytes; an AF_INET server reports its host as str
            host = host.decode()
        return f"http://{host}:{port}"

    @property
    def ores_url(self) -> str:
        """Base URL of the ORES emulator (LINKY_ORES_BASE_URL), e.g. http://127.0.0.1:54321/ores."""
        return self.url + ORES_MOUNT

    def start(self) -> None:
        """Bind and serve on a daemon thread (port 0 picks a free port)."""
        if self._server is not None:
            raise SandboxServerError("server already started")
        self._server = _Server((self.host, self.port), self.app, self.ores)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="enedis-sandbox", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI)."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self.app, self.ores)
            self.port = self._server.server_address[1]
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
