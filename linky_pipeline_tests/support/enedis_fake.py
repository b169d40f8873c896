"""A small scripted Enedis Data Connect server (real HTTP on 127.0.0.1) returning the contract's shapes."""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from linky_pipeline.lib.sources.enedis.endpoints import ENDPOINTS
from linky_pipeline_tests.support.enedis_payloads import curve_points, daily_points, to_v2_points, v2_body, v5_body

CLIENT_ID = "test-client"
CLIENT_SECRET = "S3cr3t-never-logged-7f3a"
Reply = tuple[int, dict[str, str], bytes]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
    """A JSON (or raw bytes) reply."""
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    return status, {"Content-Type": "application/json", **(headers or {})}, raw


def err(status: int, code: str, text: str = "error") -> Reply:
    return reply(status, {"error": code, "error_description": text})


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeEnedis:
    """Default behaviour per the sandbox contract, plus one-shot scripted replies matched by path substring."""

    today: date
    token_ttl: int = 12600
    error_rate: float = 0.0
    v2_status: int | None = None  # force every v2 call to this status (e.g. 500, 404)
    activation: dict[str, date] = field(default_factory=dict)
    holes: dict[str, set[date]] = field(default_factory=dict)
    curve_disabled: set[str] = field(default_factory=set)
    consent_lost: set[str] = field(default_factory=set)
    production_only: set[str] = field(default_factory=set)
    interval: dict[str, Callable[[datetime], int]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    scripts: list[tuple[str, Reply | Callable[[], Reply]]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path_part: str, response: Reply | Callable[[], Reply], times: int = 1) -> None:
        self.scripts.extend([(path_part, response)] * times)

    def data_requests(self) -> list[Request]:
        return [r for r in self.requests if not r.path.endswith("/token")]

    def token_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/token")]

    def handle(self, req: Request) -> Reply:
        with self.lock:
            self.requests.append(req)
            for i, (part, response) in enumerate(self.scripts):
                if part in req.path:
                    del self.scripts[i]
                    return response() if callable(response) else response
            if self.error_rate and self.rng.random() < self.error_rate:
                return reply(500, {"error": "technical_error", "error_description": "Technical error."})
        if req.path == "/oauth2/v3/token":
            return self._token(req)
        return self._data(req)

    def _token(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        auth = req.headers.get("authorization", "")
        if auth.startswith("Basic "):
            form["client_id"], _, form["client_secret"] = base64.b64decode(auth[6:]).decode().partition(":")
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            return reply(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
        token = f"tok-{uuid.uuid4().hex}"
        with self.lock:
            self.tokens.add(token)
            self.issued.append(token)
        return reply(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": str(self.token_ttl),
                "scope": "am_application_scope default",
            },
        )

    def _route(self, path: str) -> tuple[str, str] | None:
        for name, spec in ENDPOINTS.items():
            if path == spec.v5_path:
                return name, "v5"
            if path == f"/mesure_synchrone_auto/v1/metering_data/{name}":
                return name, "2026-v1"
            if path == f"/mesure_synchrone_auto/v2/{spec.v2_name}":
                return name, "2026-v2"
        return None

    def _data(self, req: Request) -> Reply:
        route = self._route(req.path)
        if route is None:
            return reply(404, {"error": "not_found", "error_description": "no such resource"})
        endpoint, version = route
        if req.headers.get("authorization", "")[7:] not in self.tokens:
            return err(401, "invalid_token", "Access token expired or invalid")
        if version == "2026-v2" and self.v2_status is not None:
            return err(self.v2_status, "no_data_found" if self.v2_status == 404 else "technical_error")
        p = req.params
        prm = p.get("pointId", p.get("usage_point_id", ""))
        start = date.fromisoformat(p.get("dateDebut", p.get("start", "")))
        end = date.fromisoformat(p.get("dateFin", p.get("end", "")))
        spec = ENDPOINTS[endpoint]
        if end > self.today:
            return err(400, "Invalid_request", "The end date parameter must be earlier than the current date")
        if start >= end:
            return err(400, "Invalid_request", "Start date should be before end date.")
        if (end - start).days > spec.max_days:
            return err(400, "ADAM-DC-0015", "period too long")
        if prm in self.consent_lost:
            return err(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.")
        if prm in self.production_only and spec.metric == "consumption":
            return err(400, "ADAM-ERR0069", "wrong direction")
        if prm in self.activation and start < self.activation[prm]:
            return err(
                400, "ADAM-ERR0123", "The requested period cannot be anterior to the meter's last activation date"
            )
        if spec.kind == "curve" and prm in self.curve_disabled:
            return err(404, "no_data_found", "no measure found for this usage point")
        holes = frozenset(self.holes.get(prm, set()))
        if spec.kind == "curve":
            points, _ = curve_points(start, end, interval_s=self.interval.get(prm, 1800), skip_days=holes)
        elif spec.kind == "daily":
            points = daily_points(start, end, skip_days=holes)
        else:
            points = [{"value": "4638", "date": f"{d['date']} 12:06:20"} for d in daily_points(start, end, holes)]
        if not points:
            return err(404, "no_data_found", "no measure found for this usage point")
        if version != "2026-v2":
            return reply(200, v5_body(prm, start, end, points, unit={"curve": "W", "daily": "Wh"}.get(spec.kind, "VA")))
        metier = "CONS" if spec.metric == "consumption" else "PROD"
        physique, unit = {"curve": ("PA", "W"), "daily": ("EA", "Wh"), "max_power": ("PMA", "VA")}[spec.kind]
        return reply(
            200, v2_body(prm, start, end, metier, physique, unit, to_v2_points(points), daily=spec.kind != "curve")
        )


def _handler(fake: FakeEnedis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(
                self.command,
                split.path,
                {k: v[0] for k, v in parse_qs(split.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            status, headers, raw = fake.handle(req)
            if headers.pop("X-Sleep", None):
                time.sleep(0.6)
            truncate = headers.pop("X-Truncate", None)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(raw) + (50 if truncate else 0)))
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(raw)
            with fake.lock:
                fake.sent.append(raw)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class Server:
    """ThreadingHTTPServer on a free 127.0.0.1 port serving a FakeEnedis."""

    def __init__(self, fake: FakeEnedis) -> None:
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve(fake: FakeEnedis) -> Iterator[Server]:
    """Generator for a pytest fixture."""
    with Server(fake) as server:
        yield server
