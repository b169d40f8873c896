"""Request routing of the ORES sandbox (paths relative to its /ores mount), independent of the HTTP server."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.sandbox.app import Response, json_response
from linky_pipeline.sandbox.ores import series
from linky_pipeline.sandbox.ores.faults import FaultQueue, parse_rule
from linky_pipeline.sandbox.ores.grants import GrantStore
from linky_pipeline.sandbox.ores.meters import METERS, customer_for_state
from linky_pipeline.sandbox.ores.settings import OresSandboxSettings
from linky_pipeline.sandbox.settings import SettingsError

CURVES = {"/v1/consumption_load_curve": "consumption", "/v1/production_load_curve": "production"}


class OresError(Exception):
    """An OAuth2-shaped error answer: HTTP status plus {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status, self.error, self.description = status, error, description

    def response(self) -> Response:
        return json_response(self.status, {"error": self.error, "error_description": self.description})


def _months_before(day: datetime, months: int) -> datetime:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(year=year, month=month0 + 1, day=min(day.day, 28))


def _instant(name: str, raw: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(raw or "")
    except ValueError:
        raise OresError(400, "invalid_request", f"{name} must be an RFC 3339 timestamp, got {raw!r}") from None
    if moment.tzinfo is None:
        raise OresError(400, "invalid_request", f"{name} must carry a UTC offset, got {raw!r}")
    return moment.astimezone(UTC)


class OresSandbox:
    """All ORES sandbox state (settings, grants, faults, statistics) and its routes."""

    def __init__(self, settings: OresSandboxSettings | None = None) -> None:
        self.settings = settings or OresSandboxSettings()
        self.grants = GrantStore()
        self.faults = FaultQueue()
        self.calls: Counter[str] = Counter()
        self._last_call: dict[tuple[str, ...], float] = {}
        self._pace = threading.Lock()

    def handle(self, method: str, path: str, raw_query: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request; never raises for bad input."""
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        snap = self.settings.snapshot()
        try:
            if path.startswith("/sandbox/"):
                return self._control(method, path, body)
            if method == "GET" and path == "/oauth/authorize":
                response = self._authorize(query, snap)
            elif method == "POST" and path == "/oauth/token":
                response = self._token(headers, body, snap)
            elif method == "GET" and path in CURVES:
                response = self._curve(CURVES[path], query, headers, snap)
            else:
                raise OresError(404, "not_found", f"no resource at {path}")
        except OresError as err:
            response = err.response()
        self.calls[f"status:{response.status}"] += 1
        return response

    def issued(self) -> list[str]:
        """Every code and token handed out (leak checks)."""
        return self.grants.issued()

    def _authorize(self, query: dict[str, str], snap: OresSandboxSettings) -> Response:
        if query.get("client_id") != snap.client_id:
            raise OresError(400, "invalid_client", "client_id is unknown")
        redirect_uri = query.get("redirect_uri", "")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            raise OresError(400, "invalid_request", "redirect_uri must be an absolute http(s) URL")
        state = query.get("state", "")
        error = None
        if query.get("response_type") != "code":
            error = "unsupported_response_type"
        elif query.get("scope") != "consumption":
            error = "invalid_scope"
        if error or not state:
            params = {"error": error or "invalid_request", "state": state}
        else:
            self.calls["authorize"] += 1
            params = {
                "code": self.grants.new_code(customer_for_state(state), redirect_uri, snap.client_id),
                "state": state,
            }
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return Response(302, b"", {"Location": f"{redirect_uri}{separator}{urlencode(params)}"})

    def _token(self, headers: Mapping[str, str], body: bytes, snap: OresSandboxSettings) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id = secret = None
        fault = self.faults.draw("token", None)
        self._common_fault(fault, snap)
        if fault == "invalid_grant":
            raise OresError(400, "invalid_grant", "The refresh token is invalid or revoked")
        if client_id != snap.client_id or secret != snap.client_secret:
            raise OresError(401, "invalid_client", "Client authentication failed")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant_id = self.grants.redeem(form.get("code", ""), form.get("redirect_uri", ""), client_id or "")
            if grant_id is None:
                raise OresError(400, "invalid_grant", "The authorization code is invalid, expired or already used")
            rotate = True
        elif grant_type == "refresh_token":
            grant_id = self.grants.grant_of_refresh(form.get("refresh_token", ""))
            if grant_id is None:
                raise OresError(400, "invalid_grant", "The refresh token is invalid, expired or revoked")
            rotate = snap.rotate_refresh_tokens
        else:
            raise OresError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        self.calls[f"token:{grant_type}"] += 1
        access, refresh = self.grants.issue(grant_id, snap.access_ttl_s, rotate)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": snap.access_ttl_s}
        if rotate:
            answer["refresh_token"] = refresh
        answer["scope"] = "consumption"
        return self._maybe_truncated(json_response(200, answer, {"Cache-Control": "no-store"}), fault)

    def _common_fault(self, fault: str | None, snap: OresSandboxSettings) -> None:
        if fault == "timeout":
            time.sleep(snap.stall_s)
        elif fault == "429":
            raise OresError(429, "too_many_requests", "Rate limit exceeded")
        elif fault in ("500", "503"):
            raise OresError(int(fault), "server_error", "Service temporarily unavailable")

    def _maybe_truncated(self, response: Response, fault: str | None) -> Response:
        if fault == "malformed":
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _curve(
        self, direction: str, query: dict[str, str], headers: Mapping[str, str], snap: OresSandboxSettings
    ) -> Response:
        meter_id = query.get("prm", "")
        self.calls[f"{direction}_load_curve"] += 1
        fault = self.faults.draw(direction, meter_id)
        if fault == "revoke":
            self.grants.revoke_meter(meter_id)
        auth = headers.get("authorization", "")
        meters = self.grants.meters_of_access(auth[7:].strip()) if auth.lower().startswith("bearer ") else None
        if meters is None or fault == "401":
            raise OresError(401, "invalid_token", "The access token is invalid or expired")
        if fault == "403" or meter_id not in meters:
            raise OresError(403, "access_denied", "No consent covers this prm")
        self._common_fault(fault, snap)
        self._pace_customer(meters, snap)
        start, end = _instant("start", query.get("start")), _instant("end", query.get("end"))
        if start >= end:
            raise OresError(400, "invalid_request", "start must be before end")
        local_span = end.astimezone(BRUSSELS).date() - start.astimezone(BRUSSELS).date()
        if local_span > timedelta(days=snap.max_window_days):  # Brussels days: a 25-hour day counts as one
            raise OresError(400, "invalid_request", f"the period must not exceed {snap.max_window_days} days")
        today = snap.effective_today()
        if start < _months_before(local_midnight_utc(today, BRUSSELS), snap.history_months):
            raise OresError(400, "history_limit", f"data older than {snap.history_months} months is not available")
        if direction not in METERS[meter_id].directions:
            raise OresError(404, "no_data", "No production is measured at this access point")
        readings = series.readings(meter_id, direction, start, end, today)
        if fault == "bad_period" and readings:
            middle = readings[len(readings) // 2]
            middle["end"] = (_instant("end", str(middle["end"])) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "usage_point_id": meter_id,
            "start": query["start"],
            "end": query["end"],
            "reading_type": {"unit": "Wh", "aggregate": "Sum", "measuring_period": "PT30M"},
            "interval_readings": readings,
        }
        return self._maybe_truncated(json_response(200, body), fault)

    def _pace_customer(self, meters: tuple[str, ...], snap: OresSandboxSettings) -> None:
        """The seed's undocumented rate limit, when switched on: a customer calling too fast gets 429."""
        if snap.min_interval_s <= 0:
            return
        now = time.monotonic()
        with self._pace:
            last = self._last_call.get(meters)
            if last is not None and now - last < snap.min_interval_s:
                raise OresError(429, "too_many_requests", "Rate limit exceeded")
            self._last_call[meters] = now

    def _control(self, method: str, path: str, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise OresError(400, "invalid_request", "control body must be JSON") from None
        try:
            if path == "/sandbox/health" and method == "GET":
                return json_response(200, {"ok": True})
            if path == "/sandbox/control" and method in ("GET", "POST"):
                if method == "POST":
                    if not isinstance(payload, dict):
                        raise SettingsError("control body must be a JSON object")
                    self.settings.update(payload)
                return json_response(200, self.settings.to_json())
            if path == "/sandbox/faults" and method == "POST":
                for rule in payload if isinstance(payload, list) else [payload]:
                    self.faults.add(parse_rule(rule))
                return json_response(200, {"pending": self.faults.pending()})
            if path == "/sandbox/faults" and method == "GET":
                return json_response(200, {"pending": self.faults.pending(), "hits": dict(self.faults.hits)})
            if path == "/sandbox/faults/clear" and method == "POST":
                self.faults.clear()
                return json_response(200, {"pending": []})
            if path == "/sandbox/revoke" and method == "POST":
                meter_id = payload.get("meter_id") if isinstance(payload, dict) else None
                return json_response(200, {"revoked_grants": self.grants.revoke_meter(str(meter_id))})
            if path == "/sandbox/stats" and method == "GET":
                counted = {k: v for k, v in self.calls.items() if not k.startswith("status:")}
                statuses = {k[7:]: v for k, v in self.calls.items() if k.startswith("status:")}
                stats = {"calls": dict(sorted(counted.items())), "statuses": statuses, "total": sum(counted.values())}
                return json_response(200, stats)
        except SettingsError as err:
            raise OresError(400, "invalid_request", str(err)) from None
        raise OresError(404, "not_found", f"no resource at {path}")
