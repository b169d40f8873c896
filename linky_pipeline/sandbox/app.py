"""Request routing of the sandbox, independent of the HTTP server that carries it."""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from linky_pipeline.sandbox.anomalies import AnomalyQueryError, injected_anomalies
from linky_pipeline.sandbox.consent import ConsentStore, authorize, subscribed_services
from linky_pipeline.sandbox.contract import contract_body
from linky_pipeline.sandbox.faults import (
    CallStats,
    FaultPlan,
    QuotaExceeded,
    QuotaTracker,
    TokenStore,
    next_access_text,
)
from linky_pipeline.sandbox.metering import (
    ENDPOINTS,
    V1_PATHS,
    V2_PATHS,
    V5_PATHS,
    ApiError,
    check_v2_contract,
    history_limit,
    parse_query,
    select_days,
    v2_body,
    v5_body,
)
from linky_pipeline.sandbox.meters import METERS
from linky_pipeline.sandbox.settings import SandboxSettings, SettingsError
from linky_pipeline.sandbox.tempo import MAX_DAYS as MAX_TEMPO_DAYS
from linky_pipeline.sandbox.tempo import calendar_body

RTE_TOKEN_PATH = "/token/oauth/"  # noqa: S105 - a URL path, not a password
RTE_TEMPO_PATH = "/open_api/tempo_like_supply_contract/v1/tempo_like_calendars"


@dataclass
class Response:
    """What the HTTP layer writes back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A compact, key-ordered JSON answer (same request → same bytes)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


def _error(err: ApiError) -> Response:
    return json_response(err.status, err.body())


class SandboxApp:
    """All sandbox state (settings, tokens, quotas, faults, stats, consents) and the route table."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.tokens = TokenStore()
        self.quotas = QuotaTracker()
        self.faults = FaultPlan()
        self.stats = CallStats()
        self.consents = ConsentStore()

    def handle(self, method: str, path: str, raw_query: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request; never raises for bad input."""
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        if path.startswith("/sandbox/"):
            return self._control(method, path, query, body)
        snap = self.settings.snapshot()
        if snap.latency_ms:
            time.sleep(snap.latency_ms / 1000.0)
        self.stats.record(path, query.get("usage_point_id") or query.get("pointId"))
        try:
            if method == "POST" and path == "/oauth2/v3/token":
                return self._token(headers, body, snap)
            if method == "GET" and path in ("/dataconnect/v1/oauth2/authorize", "/dataconnect/v2/oauth2/authorize"):
                location = authorize(query, snap, self.consents, v2="/v2/" in path)
                return Response(302, b"", {"Location": location})
            name = V5_PATHS.get(path) or V1_PATHS.get(path) or V2_PATHS.get(path)
            if method == "GET" and name is not None:
                return self._metering(name, path in V2_PATHS, path, raw_query, query, headers, snap)
            if method == "POST" and path == "/subscribed_services/v1":
                return self._subscribed(path, headers, body, snap)
            if method == "POST" and path == RTE_TOKEN_PATH:  # RTE: client credentials in Basic auth only
                return self._token(headers, b"grant_type=client_credentials", snap)
            if method == "GET" and path == RTE_TEMPO_PATH:
                return self._tempo(query, headers)
            if method == "GET" and path.startswith("/synth_contrat_auto/v1"):
                return self._contract(path, raw_query, headers, snap)
            return json_response(404, {"error": "not_found", "error_description": f"no resource at {path}"})
        except ApiError as err:
            return _error(err)

    def _token(self, headers: Mapping[str, str], body: bytes, snap: SandboxSettings) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id, secret = None, None
        if form.get("grant_type") != "client_credentials":
            raise ApiError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if client_id != snap.client_id or secret != snap.client_secret:
            raise ApiError(401, "invalid_client", "Client authentication failed")
        token = self.tokens.issue(client_id, snap.token_ttl_s)
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": str(snap.token_ttl_s),
                "scope": "am_application_scope default",
            },
        )

    def _gate(self, key: str, api: str, headers: Mapping[str, str], snap: SandboxSettings) -> str | None:
        """Auth, the quotas of `api`, injected faults, in that order; returns the fault to apply to a 200, if any."""
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        client_id = self.tokens.client_of(token) if token else None
        if client_id is None:
            raise ApiError(401, "invalid_token", "Access token is missing, invalid or expired")
        refused = self.quotas.admit(client_id, api, snap.quota_per_second, snap.quota_per_hour, snap.time_scale)
        if refused is not None:
            raise _QuotaRefusal(refused, snap.time_scale)
        fault = self.faults.draw(snap.seed, key, snap.error_rate, snap.malformed_rate, snap.echo_rate)
        if fault == "echo":  # a gateway quoting the request back, credentials included
            raise ApiError(
                400, "invalid_request", f"Request rejected: Authorization: Bearer {token} (access_token={token})"
            )
        if fault == "500":
            raise ApiError(500, "technical_error", "Technical error. Please try later.")
        if fault == "503":
            raise _Unavailable()
        return fault

    def _metering(
        self,
        name: str,
        v2: bool,
        path: str,
        raw_query: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        snap: SandboxSettings,
    ) -> Response:
        try:
            fault = self._gate(f"GET {path}?{raw_query}", name, headers, snap)
        except _QuotaRefusal as refusal:
            return refusal.response()
        except _Unavailable:
            return Response(503, b"", {})
        endpoint = ENDPOINTS[name]
        if v2:
            check_v2_contract(endpoint, query)
        parsed = parse_query(query, v2)
        days = select_days(endpoint, parsed, snap)
        payload = v2_body(endpoint, parsed, days) if v2 else v5_body(endpoint, parsed, days)
        response = json_response(200, payload)
        if v2:  # the 2026 gateway labels its JSON as a byte stream
            response.headers["Content-Type"] = "application/octet-stream"
        if fault == "malformed":
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _tempo(self, query: dict[str, str], headers: Mapping[str, str]) -> Response:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token or self.tokens.client_of(token) is None:
            raise ApiError(401, "invalid_token", "Access token is missing, invalid or expired")
        try:
            start = datetime.fromisoformat(query["start_date"]).date()
            end = datetime.fromisoformat(query["end_date"]).date()
        except (KeyError, ValueError):
            raise ApiError(400, "TMPLIKSUPCON_TMPLIKCAL_F04", "start_date and end_date must be ISO 8601") from None
        if not 0 < (end - start).days <= MAX_TEMPO_DAYS:
            raise ApiError(400, "TMPLIKSUPCON_TMPLIKCAL_F01", f"the period must be 1 to {MAX_TEMPO_DAYS} days")
        return json_response(200, calendar_body(start, end, self.settings.effective_today()))

    def _subscribed(self, path: str, headers: Mapping[str, str], body: bytes, snap: SandboxSettings) -> Response:
        try:
            fault = self._gate(f"POST {path} {body.decode('utf-8', 'replace')}", "subscribed_services", headers, snap)
        except _QuotaRefusal as refusal:
            return refusal.response()
        except _Unavailable:
            return Response(503, b"", {})
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise ApiError(400, "invalid_request", "body must be JSON") from None
        response = json_response(200, subscribed_services(payload, self.consents, snap))
        if fault == "malformed":
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _contract(self, path: str, raw_query: str, headers: Mapping[str, str], snap: SandboxSettings) -> Response:
        """The PRM travels in the path; anything else (the PRM as a query parameter) is outside the contract: 500."""
        try:
            self._gate(f"GET {path}?{raw_query}", "synth_contrat_auto", headers, snap)
        except _QuotaRefusal as refusal:
            return refusal.response()
        except _Unavailable:
            return Response(503, b"", {})
        prm = path.removeprefix("/synth_contrat_auto/v1").strip("/")
        if not prm or "/" in prm or raw_query:
            raise ApiError(500, "technical_error", "Technical error. Please try later.")
        return json_response(200, contract_body(prm), {"Content-Type": "application/octet-stream"})

    def _control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response:
        if method == "GET" and path == "/sandbox/health":
            return json_response(200, {"ok": True})
        if path == "/sandbox/control" and method in ("GET", "POST"):
            if method == "POST":
                try:
                    changes = json.loads(body or b"{}")
                    if not isinstance(changes, dict):
                        raise SettingsError(f"control body must be a JSON object, got {type(changes).__name__}")
                    self.settings.update(changes)
                except (ValueError, SettingsError) as err:
                    return json_response(400, {"error": "invalid_request", "error_description": str(err)})
                if "seed" in changes:
                    self.faults.reset()
            return json_response(200, self.settings.to_json())
        if method == "GET" and path == "/sandbox/anomalies":
            return self._anomalies(query)
        if method == "GET" and path == "/sandbox/stats":
            return json_response(200, self.stats.to_json())
        if method == "GET" and path == "/sandbox/quota":
            snap = self.settings.snapshot()
            return json_response(
                200,
                {
                    "time_scale": snap.time_scale,
                    "per_second": snap.quota_per_second,
                    "per_hour": snap.quota_per_hour,
                    "used_this_hour": self.quotas.used(snap.time_scale),
                    "refused": dict(sorted(self.quotas.refused.items())),
                    "calls_per_window": self.quotas.windows(),
                },
            )
        if method == "POST" and path == "/sandbox/stats/reset":
            self.stats.reset()
            self.quotas.reset()
            self.faults.reset()
            return json_response(200, self.stats.to_json())
        return json_response(404, {"error": "not_found", "error_description": f"no resource at {path}"})

    def _anomalies(self, query: dict[str, str]) -> Response:
        """Anomalies over what the API can serve: [max(activation, daily history limit), today) by default."""
        today = self.settings.effective_today()
        try:
            start = date.fromisoformat(query["start"]) if query.get("start") else None
            end = date.fromisoformat(query["end"]) if query.get("end") else today
        except ValueError as err:
            return json_response(400, {"error": "invalid_request", "error_description": f"start/end: {err}"})
        prms = [query["usage_point_id"]] if query.get("usage_point_id") else sorted(METERS)
        found: list[dict[str, Any]] = []
        try:
            for prm in prms:
                spec = METERS.get(prm)
                if spec is None:
                    raise AnomalyQueryError(f"usage_point_id {prm!r} is not a sandbox meter")
                directions = [query["direction"]] if query.get("direction") else list(spec.directions)
                first = start or max(spec.activation, history_limit("daily", today))
                for direction in directions:
                    found.extend(a.to_json() for a in injected_anomalies(prm, direction, first, end))
        except AnomalyQueryError as err:
            return json_response(400, {"error": "invalid_request", "error_description": str(err)})
        return json_response(200, {"anomalies": found})


class _Unavailable(Exception):
    """An injected 503 (empty body)."""


class _QuotaRefusal(Exception):
    """A 429 with Enedis's Q3 body or the WSO2 Q4 body. Scaled (time_scale != 1), the retry hints are precise:
    Retry-After in decimal seconds and nextAccessTime with milliseconds (windows last seconds, not hours)."""

    def __init__(self, refused: QuotaExceeded, time_scale: float) -> None:
        super().__init__(refused.kind)
        self.refused, self.precise = refused, time_scale != 1

    def response(self) -> Response:
        wait = self.refused.retry_after_s
        retry_after = f"{max(wait, 0.001):.3f}" if self.precise else str(max(1, math.ceil(wait)))
        headers = {"Retry-After": retry_after}
        if self.refused.kind == "Q3":
            body = {"error": "429", "error_description": "Quota Q3 reached Call threshold allowed on 0:00:01"}
            return json_response(429, body, headers)
        next_access = next_access_text(self.refused.next_access, precise=self.precise)
        body = {
            "code": "900804",
            "message": "Message throttled out",
            "description": f"You have exceeded your quota .You can access API after {next_access}",
            "nextAccessTime": next_access,
        }
        return json_response(429, body, headers)
