"""EnedisClient: metering fetches over the 2026 v2 API (default) or v5 / 2026 v1 (legacy) with tokens, per-API
quotas, retries and typed errors.

Auto mode (kept for installations still in transition) tries the 2026 v2 API first and falls back to v5 on any
failure other than a 404; an answer that proves the API understood us (data, 404, ADAM-ERR0123, consent/direction
errors) pins v2, a fallback pins v5. Quota exhaustion never triggers a fallback.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pandas as pd

from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.sources import results
from linky_pipeline.lib.sources.enedis.answers import error_code
from linky_pipeline.lib.sources.enedis.endpoints import (
    DEFAULT_API_MODE,
    SOURCES,
    ApiMode,
    ApiVersion,
    EndpointSpec,
    api_mode_of,
    path_for,
    query_for,
    spec_of,
)
from linky_pipeline.lib.sources.enedis.parsing import parse_v5
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.sources.enedis.token import TokenProvider
from linky_pipeline.lib.sources.enedis.windows import plan_windows
from linky_pipeline.lib.sources.errors import (
    ApiError,
    AuthenticationError,
    ConsentLostError,
    MalformedResponseError,
    QuotaExceededError,
    SourceError,
    SourceParseError,
    WindowError,
    WrongDirectionError,
)
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import RateLimiter
from linky_pipeline.lib.sources.results import FetchResult, Outcome, WindowCall, json_or_none, with_range
from linky_pipeline.lib.sources.scrub import scrub_json
from linky_pipeline.lib.sources.transport import CallCounter, RetryPolicy, Transport

logger = logging.getLogger(__name__)
NO_DATA_CODES = frozenset({"no_data_found", "STM-ERR-0000014", "STM-ERR-0000020"})
_PRM_RE = re.compile(r"^[0-9]{14}$")


@dataclass(frozen=True)
class _Answer:
    call: WindowCall
    frame: pd.DataFrame | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EnedisClient:
    """Synchronous and thread-safe: share one per provider account, call fetch() from several threads."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        api_mode: ApiMode = DEFAULT_API_MODE,
        limiter: RateLimiter | QuotaBook | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        today: Callable[[], date] | None = None,
        rng: random.Random | None = None,
        token_margin_s: float = 60.0,
    ) -> None:
        api_mode = api_mode_of(api_mode)  # callers outside mypy may still pass any string
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.api_mode: ApiMode = api_mode
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock = sleep, clock
        self._today = today or (lambda: today_in(PARIS, self._clock()))
        self._rng = rng or random.Random()
        self._http = httpx.Client(timeout=timeout_s)
        self._transport = Transport(
            self._http, limiter=limiter, policy=self.retry, sleep=sleep, clock=clock, rng=self._rng
        )
        self._tokens = TokenProvider(
            self._transport,
            f"{self.base_url}/oauth2/v3/token",
            client_id,
            client_secret,
            clock=clock,
            margin_s=token_margin_s,
        )
        self._mode_lock = threading.Lock()
        self._pinned: ApiVersion | None = None if api_mode == "auto" else api_mode

    def __repr__(self) -> str:
        return f"EnedisClient(base_url={self.base_url!r}, client_id={self.client_id!r}, api_mode={self.api_mode!r})"

    def __enter__(self) -> EnedisClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    @property
    def api_version(self) -> ApiVersion | None:
        """The API generation in use (None in auto mode before the first answer)."""
        return self._pinned

    def fetch(
        self, meter_id: str, endpoint: str, start: date, end: date, activation_date: date | None = None
    ) -> FetchResult:
        """Every window of [start, end) for one PRM (`meter_id`) and endpoint; raises instead of returning
        partial data. An unknown endpoint name raises WindowError (via spec_of)."""
        if not isinstance(meter_id, str) or not _PRM_RE.match(meter_id):
            raise WindowError(f"prm={meter_id!r}: expected 14 digits")
        spec = spec_of(endpoint)
        plan = plan_windows(endpoint, start, end, today=self._today(), activation_date=activation_date)
        counter = CallCounter()
        try:
            return self._fetch(counter, meter_id, spec, plan.windows)
        except SourceError as exc:
            exc.calls = counter.calls  # what the failed fetch cost, for the run's api_calls
            raise

    def _fetch(
        self, counter: CallCounter, meter_id: str, spec: EndpointSpec, windows: Sequence[tuple[date, date]]
    ) -> FetchResult:
        endpoint = spec.name
        calls: list[WindowCall] = []
        frames: list[pd.DataFrame] = []
        discovered: date | None = None
        previous_all_before = False
        for ws, we in windows:
            answer = self._call(counter, meter_id, spec, ws, we)
            if answer.call.outcome == "before_activation":
                first_ok, accepted = self._bisect(counter, meter_id, spec, ws, we)
                calls.append(with_range(answer.call, ws, first_ok or we))
                if accepted is None:
                    previous_all_before = True
                    continue
                discovered = discovered or first_ok
                answer = accepted
            elif previous_all_before and discovered is None:
                discovered = ws  # the previous window was refused whole and this one starts right after it
            previous_all_before = False
            calls.append(answer.call)
            if answer.frame is not None:
                frames.append(answer.frame)
        frame = results.combine(spec.kind, frames)
        empty = results.days_answered_empty(spec.kind, frame, calls, PARIS)
        if empty:  # reported by the landing (check + notification), not only logged
            logger.info(
                "%s prm=%s: HTTP 200 without any point for %d day(s) from %s", endpoint, meter_id, len(empty), empty[0]
            )
        return FetchResult(
            calls,
            frame,
            counter.calls,
            results.days_without_points(spec.kind, frame, calls, PARIS),
            discovered,
            empty,
        )

    def _bisect(
        self, counter: CallCounter, prm: str, spec: EndpointSpec, ws: date, we: date
    ) -> tuple[date | None, _Answer | None]:
        """First day d with [d, we) accepted (ADAM-ERR0123 on [ws, we)); log2(window) extra calls."""
        rejected, accepted_from = ws, we
        best: _Answer | None = None
        while (accepted_from - rejected).days > 1:
            mid = date.fromordinal((rejected.toordinal() + accepted_from.toordinal()) // 2)
            probe = self._call(counter, prm, spec, mid, we)
            if probe.call.outcome == "before_activation":
                rejected = mid
            else:
                accepted_from, best = mid, probe
        logger.debug(
            "activation search prm=%s %s: first accepted day %s", prm, spec.name, accepted_from if best else None
        )
        return (accepted_from, best) if best else (None, None)

    def _call(self, counter: CallCounter, prm: str, spec: EndpointSpec, ws: date, we: date) -> _Answer:
        """One window in the pinned API generation, or the auto-mode probe with its fallback."""
        with self._mode_lock:
            pinned = self._pinned
        if pinned is not None:
            return self._call_version(pinned, counter, prm, spec, ws, we)
        try:
            answer = self._call_version("2026-v2", counter, prm, spec, ws, we)
        except (ConsentLostError, WrongDirectionError):
            self._pin("2026-v2")
            raise
        except QuotaExceededError:
            raise
        except ApiError as exc:
            if exc.status == 404:
                raise
            return self._fallback(exc, counter, prm, spec, ws, we)
        except SourceError as exc:
            return self._fallback(exc, counter, prm, spec, ws, we)
        self._pin("2026-v2")
        return answer

    def _fallback(
        self, exc: SourceError, counter: CallCounter, prm: str, spec: EndpointSpec, ws: date, we: date
    ) -> _Answer:
        logger.info("2026 v2 API failed (%s); falling back to v5", type(exc).__name__)
        answer = self._call_version("v5", counter, prm, spec, ws, we)
        self._pin("v5")
        return answer

    def _pin(self, version: ApiVersion) -> None:
        with self._mode_lock:
            if self._pinned is None:
                self._pinned = version
                logger.info("Enedis API generation in use: %s", version)

    def authorized(
        self,
        method: str,
        path: str,
        *,
        api: str,
        what: str,
        params: dict[str, str] | None = None,
        json_body: object = None,
        counter: CallCounter | None = None,
    ) -> httpx.Response:
        """One call to `base_url + path` with the cached token, through the shared transport and the quota of
        `api` (quota.APIS); a 401 renews the token once and retries once. Metering fetches and the consent and
        contract calls all go through here."""
        counter = counter or CallCounter()
        url = self.base_url + path
        for renewed in (False, True):
            token = self._tokens.get(counter)
            response = self._transport.send(
                method,
                url,
                api=api,
                counter=counter,
                what=what,
                params=params,
                json=json_body,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            if response.status_code != 401:
                return response
            if renewed:
                code, _ = error_code(json_or_none(response.content), (*self._tokens.secrets(), token))
                raise AuthenticationError(401, code, f"{what}: a freshly issued token was refused")
            logger.debug("%s: token refused, renewing once", what)
            self._tokens.invalidate(token)
        raise AssertionError("unreachable")

    def _call_version(
        self, version: ApiVersion, counter: CallCounter, prm: str, spec: EndpointSpec, ws: date, we: date
    ) -> _Answer:
        path = path_for(spec, version)
        url = self.base_url + path
        params = query_for(spec, version, prm, ws.isoformat(), we.isoformat())
        request: dict[str, Any] = {"method": "GET", "url": url, "params": dict(params)}
        what = f"{spec.name} prm={prm} [{ws}, {we}) {version}"
        failure: Exception | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            response = self.authorized("GET", path, api=spec.name, what=what, params=params, counter=counter)
            status, body = response.status_code, response.content
            digest = hashlib.sha256(body).hexdigest()
            payload = json_or_none(body)

            def landed(
                outcome: Outcome, status: int = status, payload: Any = payload, digest: str = digest
            ) -> WindowCall:
                kept = payload if outcome == "ok" else scrub_json(payload, self._tokens.secrets())
                return WindowCall(spec.name, ws, we, version, status, request, kept, digest, outcome)

            if status == 200:
                try:
                    if payload is None:
                        raise MalformedResponseError(f"{what}: body is not a JSON object ({len(body)} bytes)")
                    parse = parse_v2 if version == "2026-v2" else parse_v5
                    frame = parse(payload, endpoint=spec.name, prm=prm, source=SOURCES[version], window=(ws, we))
                except (MalformedResponseError, SourceParseError) as exc:
                    failure = exc
                    logger.warning("%s: unusable body on attempt %d: %s", what, attempt, exc)
                    if attempt < self.retry.max_attempts:
                        self._sleep(self.retry.backoff(attempt, self._rng))
                    continue
                logger.debug("%s: ok, %d rows", what, len(frame))
                return _Answer(landed("ok"), frame)
            code, text = error_code(payload, self._tokens.secrets())
            logger.debug("%s: HTTP %d code=%s", what, status, code)
            if status == 404 and code in NO_DATA_CODES:
                return _Answer(landed("no_data"), None)
            if status == 400 and code == "ADAM-ERR0123":
                return _Answer(landed("before_activation"), None)
            if (status == 403 and code in ("ADAM-DC-0008", "ADAM_DC_0008")) or (
                status in (400, 403) and code == "ADAM-DC-0007"
            ):
                raise ConsentLostError(prm, code or "", status)
            if status == 400 and code == "ADAM-ERR0069":
                raise WrongDirectionError(prm, spec.name)
            raise ApiError(status, code, f"{what}: {text}")
        raise MalformedResponseError(
            f"{what}: unusable body after {self.retry.max_attempts} attempts: {failure}"
        ) from failure
