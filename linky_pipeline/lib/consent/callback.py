"""Receiving the consent redirect: a one-shot listener on 127.0.0.1, or a pasted redirect URL."""

from __future__ import annotations

import html
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from linky_pipeline.lib.consent.errors import CallbackError, ConsentRefusedError

CALLBACK_PATH = "/callback"


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """A consent redirect: its state and its query parameters (codes are bearer-like: never in repr)."""

    state: str
    params: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"CallbackResult(state={self.state!r}, params={sorted(self.params)!r})"


def parse_redirect(url: str, required: Sequence[str] = ()) -> CallbackResult:
    """Parse the redirect URL: provider errors become ConsentRefusedError; `state` and every `required`
    parameter (the provider's, e.g. `code`) must be present and non-empty."""
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if "error" in params:
        raise ConsentRefusedError(params["error"], params.get("error_description"))
    state = params.get("state")
    if not state:
        raise CallbackError("redirect has no 'state' parameter")
    for name in required:
        if not params.get(name):
            raise CallbackError(f"redirect has no {name!r} parameter")
    return CallbackResult(state=state, params=params)


def redirect_base(url: str) -> str:
    """The redirect URI a redirect URL was sent to (its query and fragment removed)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>linky_pipeline</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    server: _OneShotServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path != self.server.callback_path:
            self.send_error(404)
            return
        params = dict(parse_qsl(urlsplit(self.path).query))
        expected = self.server.expected_state
        if expected is not None and params.get("state") != expected:
            # Not the pending consent (a stale tab, another local process): answer, but keep waiting.
            self._page(400, "Unexpected redirect", "This redirect does not belong to the pending consent.")
            return
        if "error" in params:
            title, text = "Consent not given", f"The provider answered: {params.get('error')}."
        else:
            title, text = "Consent received", "You can close this window and return to the terminal."
        self._page(200, title, text)
        self.server.results.put(f"http://{self.headers.get('Host', 'localhost')}{self.path}")

    def _page(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the query string carries the consent code."""


class _OneShotServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], callback_path: str) -> None:
        super().__init__(address, _Handler)
        self.callback_path = callback_path
        self.expected_state: str | None = None
        self.results: queue.Queue[str] = queue.Queue()


class CallbackListener:
    """Listens on 127.0.0.1 until the first request to the callback path, then hands back its URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = CALLBACK_PATH) -> None:
        self._server = _OneShotServer((host, port), path)
        self._thread: threading.Thread | None = None
        self.path = path

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The redirect URI to register: http://127.0.0.1:<port>/callback."""
        host = self._server.server_address[0]
        if not isinstance(host, str):  # typeshed allows bytes; an AF_INET server reports its host as str
            host = host.decode()
        return f"http://{host}:{self.port}{self.path}"

    def expect_state(self, state: str) -> None:
        """Only a redirect carrying this state ends the wait; others get a 400 page."""
        self._server.expected_state = state

    def start(self) -> CallbackListener:
        self._thread = threading.Thread(target=self._server.serve_forever, name="consent-callback", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = 600.0) -> str:
        """Block until the redirect arrives; returns the full redirect URL."""
        try:
            return self._server.results.get(timeout=timeout)
        except queue.Empty:
            raise CallbackError(f"no redirect received on {self.url} within {timeout} s") from None

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CallbackListener:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
