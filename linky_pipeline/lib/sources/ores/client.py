"""OresClient: a meter's Wh load curve over [start, end) with the customer's own tokens, under its building's
quota, with the seed's error rules. Synchronous and thread-safe: one client per run, fetch() from many threads.

Tokens: refreshed `token_margin_s` before they expire and once on a 401; a second 401, a 403 or `invalid_grant`
on refresh means the customer's consent is gone (ConsentLostError: the sync marks the meter, deletes its
credentials, audits and notifies once). A failed call never becomes a landed window.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc, today_in
from linky_pipeline.lib.sources import results
from linky_pipeline.lib.sources.errors import (
    ApiError,
    AuthenticationError,
    ConsentLostError,
    MalformedResponseError,
    SourceConfigError,
    SourceError,
    WindowError,
)
from linky_pipeline.lib.sources.ores import contract, oauth
from linky_pipeline.lib.sources.ores.http import OresHttp
from linky_pipeline.lib.sources.ores.parsing import parse_curve
from linky_pipeline.lib.sources.ores.provider import ORES
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.ratelimit import RateLimiter
from linky_pipeline.lib.sources.results import FetchResult, WindowCall, json_or_none
from linky_pipeline.lib.sources.transport import CallCounter
from linky_pipeline.lib.sources.user_tokens import TokenSet, UserTokenStore

logger = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """UTC instant as the contract writes it: 2025-11-01T00:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_code(payload: object) -> tuple[str | None, str]:
    """(error, error_description) of an OAuth2-style error body."""
    if not isinstance(payload, dict):
        return None, ""
    code = payload.get("error")
    return (str(code) if code is not None else None), str(payload.get("error_description", ""))[:200]


class OresClient:
    """The runtime half of the ORES provider (MeterClient)."""

    def __init__(
        self,
        settings: OresSettings,
        tokens: UserTokenStore,
        limiter_for: Callable[[str], RateLimiter] | None = None,
        *,
        today: Callable[[], date] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        http: OresHttp | None = None,
    ) -> None:
        self.settings = settings
        self._tokens, self._limiter_for, self._clock, self._sleep = tokens, limiter_for, clock, sleep
        self._today = today or (lambda: today_in(BRUSSELS, self._clock()))
        self._http = http or OresHttp(timeout_s=settings.timeout_s, backoff_base_s=settings.backoff_base_s, sleep=sleep)
        self._lock = threading.Lock()
        self._cached: dict[str, TokenSet] = {}
        self._limiters: dict[str, RateLimiter | None] = {}

    def __repr__(self) -> str:
        return f"OresClient(base_url={self.settings.base_url!r}, client_id={self.settings.client_id!r})"

    def __enter__(self) -> OresClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP pool (limiters belong to whoever made them)."""
        self._http.close()

    def window_days_for(self, endpoint: str) -> int:  # noqa: ARG002 - one setting for both curves
        """The longest window this client asks for (the sync plans its windows with it)."""
        return self.settings.window_days

    def windows(self, endpoint: str, start: date, end: date, activation: date | None) -> list[tuple[date, date]]:
        """[start, end) clamped to the horizon, the activation and publication (D < today), in `window_days` steps."""
        if start > end:
            raise WindowError(f"start={start.isoformat()} is after end={end.isoformat()}")
        today = self._today()
        lo = max(start, ORES.horizon_start(endpoint, today), activation or start)
        hi = min(end, today)
        out = []
        while lo < hi:
            stop = min(lo + timedelta(days=self.settings.window_days), hi)
            out.append((lo, stop))
            lo = stop
        return out

    def fetch(
        self, meter_id: str, endpoint: str, start: date, end: date, activation_date: date | None = None
    ) -> FetchResult:
        """Every window of [start, end) for one meter; raises a SourceError instead of returning partial data."""
        try:
            ids.meter_id(contract.NAME, meter_id)
        except ids.InvalidValueError as exc:
            raise WindowError(str(exc)) from None
        direction = ORES.endpoint(endpoint).metric
        plan = self.windows(endpoint, start, end, activation_date)
        counter = CallCounter()
        if not plan:
            return FetchResult([], results.empty_frame("curve"), 0)
        stored = self._tokens.load(contract.NAME, meter_id, direction)
        if stored is None:
            raise SourceConfigError(
                f"ores meter {meter_id} ({direction}) has no stored tokens: connect it with "
                f"`linky-pipeline meters connect --provider ores --building <building> --meter {meter_id}`"
            )
        limiter = self._limiter(stored.building_code)
        with self._lock:
            self._cached.setdefault(meter_id, stored.tokens)
        calls: list[WindowCall] = []
        frames: list[pd.DataFrame] = []
        try:
            for ws, we in plan:
                call, frame = self._window(counter, limiter, meter_id, endpoint, ws, we)
                calls.append(call)
                if frame is not None:
                    frames.append(frame)
        except SourceError as exc:
            exc.calls = counter.calls  # what the failed fetch cost, for the run's api_calls
            raise
        frame = results.combine("curve", frames)
        return FetchResult(calls, frame, counter.calls, results.days_without_points("curve", frame, calls, BRUSSELS))

    def _limiter(self, building: str) -> RateLimiter | None:
        with self._lock:
            if building not in self._limiters:
                self._limiters[building] = self._limiter_for(building) if self._limiter_for else None
            return self._limiters[building]

    def _window(
        self, counter: CallCounter, limiter: RateLimiter | None, meter_id: str, endpoint: str, ws: date, we: date
    ) -> tuple[WindowCall, pd.DataFrame | None]:
        lo, hi = local_midnight_utc(ws, BRUSSELS), local_midnight_utc(we, BRUSSELS)
        url = self.settings.base_url + contract.CURVE_PATHS[endpoint]
        params = {"prm": meter_id, "start": rfc3339(lo), "end": rfc3339(hi)}
        request: dict[str, Any] = {"method": "GET", "url": url, "params": dict(params)}
        what = f"ores {endpoint} prm={meter_id} [{ws}, {we})"
        attempts = 1 + contract.TIMEOUT_RETRIES
        for attempt in range(1, attempts + 1):
            response = self._authorized(counter, limiter, meter_id, url, params, what)
            status, body = response.status_code, response.content
            payload = json_or_none(body)

            def landed(
                outcome: results.Outcome, status: int = status, payload: Any = payload, body: bytes = body
            ) -> WindowCall:
                digest = hashlib.sha256(body).hexdigest()
                return WindowCall(endpoint, ws, we, contract.API_VERSION, status, request, payload, digest, outcome)

            if status == 200:
                if payload is None:  # truncated or not JSON: ask again, like a network failure
                    logger.warning("%s: body is not a JSON object (attempt %d)", what, attempt)
                    if attempt < attempts:
                        self._sleep(self._http.backoff(attempt))
                    continue
                frame = parse_curve(payload, endpoint=endpoint, meter_id=meter_id, window=(lo, hi))
                logger.debug("%s: ok, %d readings", what, len(frame))
                return landed("ok"), frame
            code, text = error_code(payload)
            if status == 404 and code == "no_data":
                return landed("no_data"), None
            if status == 403:
                raise ConsentLostError(meter_id, code or "forbidden", 403)
            raise ApiError(status, code, f"{what}: {text}")
        raise MalformedResponseError(f"{what}: body is not a JSON object after {attempts} attempts")

    def _authorized(
        self,
        counter: CallCounter,
        limiter: RateLimiter | None,
        meter_id: str,
        url: str,
        params: dict[str, str],
        what: str,
    ) -> Any:
        """One data call with a valid access token; a 401 renews the token once and retries once."""
        token = self._fresh_token(counter, meter_id)
        for renewed in (False, True):
            response = self._http.send(
                "GET",
                url,
                counter=counter,
                what=what,
                limiter=limiter,
                params=params,
                headers={"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"},
            )
            if response.status_code != 401:
                return response
            code, _ = error_code(json_or_none(response.content))
            if renewed:
                raise ConsentLostError(meter_id, code or "invalid_token", 401)
            logger.debug("%s: access token refused (%s), refreshing once", what, code)
            token = self._renew(counter, meter_id, token)
        raise AssertionError("unreachable")

    def _fresh_token(self, counter: CallCounter, meter_id: str) -> TokenSet:
        with self._lock:
            token = self._cached[meter_id]
        if token.expiring(self._clock(), timedelta(seconds=self.settings.token_margin_s)):
            token = self._renew(counter, meter_id, token)
        return token

    def _renew(self, counter: CallCounter, meter_id: str, stale: TokenSet) -> TokenSet:
        def refresh(stored: TokenSet) -> TokenSet:
            try:
                return oauth.refresh(self._http, self.settings, stored, now=self._clock(), counter=counter)
            except oauth.TokenRefused as exc:
                if exc.error in ("invalid_grant", "no_refresh_token"):
                    raise ConsentLostError(meter_id, exc.error, exc.status or 400) from None
                raise AuthenticationError(
                    exc.status,
                    exc.error,
                    f"ores token endpoint refused a refresh for client_id={self.settings.client_id!r}",
                ) from None

        fresh = self._tokens.renew(contract.NAME, meter_id, stale, refresh)
        with self._lock:
            self._cached[meter_id] = fresh
        return fresh
