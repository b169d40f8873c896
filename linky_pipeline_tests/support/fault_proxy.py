"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the sandbox: the hostile network and gateways the meter
APIs sit behind.

Each request goes to the first active rule that matches it (method, path regex, query substring); a rule fires
`times` times (None: always) and then lets requests through. What a rule does to the exchange:

- drop: read the request, close the connection without a byte of answer
- reset: close with SO_LINGER 0 (the client sees a TCP RST)
- cut: the upstream answer with its full Content-Length, but only half of the body, then close
- stall: wait `seconds`, then forward (a slow gateway) or, with `then_drop`, close
- respond: a canned answer (status, body, headers): wrong-content JSON, HTML, 302, 401, 503, a token endpoint down
- echo: 400 whose error_description and X-Echo header quote the request's Authorization header and body
- bad_encoding: the upstream body labelled `Content-Encoding: gzip` without being gzip
- mutate: the upstream JSON body rewritten by a function (poison values), or its bytes by `rewrite` (literals JSON
  does not allow: NaN, 1e400)
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

Fault = Literal["drop", "reset", "cut", "stall", "respond", "echo", "bad_encoding", "mutate"]
_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te"})


@dataclass
class Rule:
    """One fault, for requests whose path matches `path` (regex, searched) and whose query contains `query`."""

    fault: Fault
    path: str = ""
    query: str = ""
    method: str | None = None
    times: int | None = None  # None: every matching request
    after: int = 0  # let this many matching requests through first
    seconds: float = 0.0  # stall
    then_drop: bool = False  # stall, then close instead of answering
    status: int = 200  # respond
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    mutate: Callable[[Any], Any] | None = None
    rewrite: Callable[[bytes], bytes] | None = None
    hits: int = 0
    seen: int = 0

    def matches(self, method: str, path: str, query: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        if not (re.search(self.path, path) and self.query in query):
            return False
        self.seen += 1
        return self.seen > self.after


@dataclass(frozen=True)
class Upstream:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class FaultProxy:
    """`with FaultProxy(sandbox.url) as proxy:` then point the clients at `proxy.url`."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.rules: list[Rule] = []
        self.requests: list[tuple[str, str]] = []  # (method, path?query) of every request seen
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()

    def pick(self, method: str, path: str, query: str) -> Rule | None:
        with self._lock:
            self.requests.append((method, f"{path}?{query}" if query else path))
            for rule in self.rules:
                if rule.matches(method, path, query):
                    rule.hits += 1
                    return rule
        return None

    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Upstream:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP and k.lower() != "host"}
            conn.request(method, target, body=body or None, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
            return Upstream(response.status, kept, payload)
        finally:
            conn.close()

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], proxy: FaultProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients giving up on a stalled or broken exchange are the point of the exercise, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """Silent (request lines sit next to bearer tokens)."""

    def _serve(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        rule = proxy.pick(self.command, parts.path, parts.query)
        fault = rule.fault if rule is not None else None
        if rule is not None and fault == "stall":
            time.sleep(rule.seconds)
            if rule.then_drop:
                return self._close()
        if fault == "drop":
            return self._close()
        if fault == "reset":
            return self._reset()
        if rule is not None and fault == "respond":
            return self._write(rule.status, list(rule.headers.items()), rule.body)
        if fault == "echo":
            quoted = f"{headers.get('Authorization', '')} {body.decode('utf-8', 'replace')}".strip()
            echo = {"error": "invalid_request", "error_description": f"Request rejected: {quoted}"}
            return self._write(
                400, [("Content-Type", "application/json"), ("X-Echo", quoted[:200])], json.dumps(echo).encode()
            )
        upstream = proxy.forward(self.command, self.path, headers, body)
        if rule is not None and fault == "mutate" and upstream.status == 200:
            changed = upstream.body
            if rule.mutate is not None:
                changed = json.dumps(rule.mutate(json.loads(changed))).encode()
            if rule.rewrite is not None:
                changed = rule.rewrite(changed)
            return self._write(upstream.status, upstream.headers, changed)
        if fault == "bad_encoding":
            return self._write(upstream.status, [*upstream.headers, ("Content-Encoding", "gzip")], upstream.body)
        if fault == "cut":
            self._write(upstream.status, upstream.headers, upstream.body[: len(upstream.body) // 2], len(upstream.body))
            return self._close()
        return self._write(upstream.status, upstream.headers, upstream.body)

    def _write(self, status: int, headers: list[tuple[str, str]], body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _close(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()


def set_point_value(value: object, index: int = 0) -> Callable[[Any], Any]:
    """A mutation writing `value` into point `index` of any meter answer (Enedis v2 and v5, ORES)."""

    def mutate(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("grandeur"), list) and body["grandeur"]:
            points = body["grandeur"][0]["points"]
            points[index]["v"] = value
        elif isinstance(body, dict) and isinstance(body.get("meter_reading"), dict):
            body["meter_reading"]["interval_reading"][index]["value"] = value
        elif isinstance(body, dict) and isinstance(body.get("interval_readings"), list):
            body["interval_readings"][index]["value"] = value
        return body

    return mutate


def raw_point_value(literal: str, index: int = 0) -> Callable[[bytes], bytes]:
    """A rewrite putting `literal` (any text, e.g. NaN or 1e400) as point `index`'s value, unquoted."""
    marker = "__POINT_VALUE__"
    mutate = set_point_value(marker, index)

    def rewrite(body: bytes) -> bytes:
        return json.dumps(mutate(json.loads(body))).replace(f'"{marker}"', literal).encode()

    return rewrite
