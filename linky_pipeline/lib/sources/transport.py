"""One HTTP exchange with quota waits and bounded retries; knows nothing about tokens or payloads.

Never logs headers, bodies or form fields: the token travels in a header and the client secret in the form.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from linky_pipeline.lib.sources.errors import ApiError, ApiUnavailableError, QuotaExceededError, RequestRejectedError
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import RateLimiter, RateLimitWaitTooLong
from linky_pipeline.lib.sources.scrub import scrub_http_logs

logger = logging.getLogger(__name__)
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_NEXT_ACCESS_RE = re.compile(r"(\d{4})-([A-Za-z]{3})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?\s*([+-]\d{4})?")


@dataclass(frozen=True)
class RetryPolicy:
    """Retry bounds: attempts for 5xx/timeouts/malformed bodies, total seconds spent waiting out 429s, how long a
    call may wait for the limiter."""

    max_attempts: int = 5
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    max_quota_wait_s: float = 120.0
    persistent_500_attempts: int = 3  # a 500 on every one of these attempts is a request error, not an outage
    max_limiter_wait_s: float | None = None  # how long to wait for our own quota (None: until the window reopens)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential delay before retry number `attempt` (1-based), with jitter in [50 %, 100 %]."""
        return float(min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** (attempt - 1)) * (0.5 + rng.random() / 2))


class CallCounter:
    """HTTP calls made on behalf of one fetch (data, retries and token calls)."""

    def __init__(self) -> None:
        self.calls = 0


def parse_next_access(text: str) -> datetime | None:
    """'2026-Jul-17 05:00:00+0000 UTC' (WSO2 throttling body; the sandbox adds milliseconds when its time is
    scaled) → aware UTC datetime, None if unreadable."""
    match = _NEXT_ACCESS_RE.search(text)
    if not match or match.group(2).lower() not in _MONTHS:
        return None
    year, _, dom, hh, mm, ss, fraction, offset = match.groups()
    micro = round(float(fraction) * 1_000_000) if fraction else 0
    try:
        moment = datetime(
            int(year), _MONTHS[match.group(2).lower()], int(dom), int(hh), int(mm), int(ss), min(micro, 999_999), UTC
        )
    except ValueError:
        return None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return moment


def redirect_text(response: httpx.Response) -> str:
    """A redirect described without its query string or path (they can carry tokens): status and target host."""
    location = response.headers.get("Location", "")
    target = urlsplit(location)
    if target.hostname:
        host = f"{target.scheme}://{target.hostname}" + (f":{target.port}" if target.port else "")
    else:
        host = "a path on the same host" if location else "nowhere (no Location header)"
    return f"the API redirected (HTTP {response.status_code}) to {host}; an API base URL or gateway problem"


def quota_wait(response: httpx.Response, now: datetime) -> tuple[float, datetime | None]:
    """Seconds to wait after a 429 and the reopening instant when the body states it."""
    next_access: datetime | None = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("nextAccessTime", "description"):
            if isinstance(body.get(key), str):
                next_access = parse_next_access(body[key])
                if next_access:
                    break
    if next_access is not None and next_access > now:
        return (next_access - now).total_seconds(), next_access
    retry_after = response.headers.get("Retry-After", "")
    try:
        seconds = max(0.0, float(retry_after))
    except ValueError:
        seconds = 1.0
    return seconds, next_access or now + timedelta(seconds=seconds)


LimiterFor = Callable[[str], "RateLimiter | None"]


def limiter_lookup(limiter: RateLimiter | QuotaBook | None) -> LimiterFor:
    """One limiter for every API, a QuotaBook (one limiter per API), or none."""
    if isinstance(limiter, QuotaBook):
        return limiter.limiter
    return lambda _api: limiter


class Transport:
    """Sends requests through the API's rate limiter, waiting out 429s and retrying 5xx/network failures.

    A 500 that every attempt of one request gets is not an outage to wait out: Enedis answers 500, not 400, to a
    request outside its contract (a misspelt parameter, the PRM in the wrong place). After
    `persistent_500_attempts` it is a RequestRejectedError naming the method, path and query parameters (never
    headers or bodies). 502/503/504, timeouts and broken connections keep the longer outage retry.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        limiter: RateLimiter | QuotaBook | None,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.http, self.limiter_for, self.policy = http, limiter_lookup(limiter), policy
        self.sleep, self.clock, self.rng = sleep, clock, rng
        scrub_http_logs()

    def _acquire(self, api: str, what: str) -> None:
        limiter = self.limiter_for(api)
        if limiter is None:
            return
        try:
            limiter.acquire(self.policy.max_limiter_wait_s)
        except RateLimitWaitTooLong as exc:
            raise QuotaExceededError(
                f"{what}: quota of API {api!r} exhausted for longer than the accepted "
                f"{self.policy.max_limiter_wait_s:g} s wait",
                exc.retry_at,
            ) from None

    def send(
        self,
        method: str,
        url: str,
        *,
        api: str,
        counter: CallCounter,
        what: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The first answer that is neither 429 nor 5xx nor 3xx; typed errors once the bounds are spent. `api`
        names the quota the call counts on."""
        failures = 0
        internal_errors = 0
        quota_waited = 0.0
        while True:
            self._acquire(api, what)
            counter.calls += 1
            try:
                response = self.http.request(method, url, params=params, data=data, json=json, headers=headers)
            except (httpx.TransportError, httpx.DecodingError) as exc:  # timeouts, resets, cut or mis-encoded bodies
                failures += 1
                internal_errors = 0
                logger.debug("%s: %s on attempt %d", what, type(exc).__name__, failures)
                if failures >= self.policy.max_attempts:
                    raise ApiUnavailableError(f"{what}: {type(exc).__name__} after {failures} attempts") from None
                self.sleep(self.policy.backoff(failures, self.rng))
                continue
            status = response.status_code
            logger.debug("%s: HTTP %d (attempt %d)", what, status, failures + 1)
            if status == 429:
                wait, reopens = quota_wait(response, self.clock())
                if quota_waited + wait > self.policy.max_quota_wait_s:
                    raise QuotaExceededError(
                        f"{what}: quota exhausted, would wait {wait:.0f} s after {quota_waited:.0f} s already", reopens
                    )
                logger.debug("%s: quota reached, waiting %.3f s", what, wait)
                quota_waited += wait
                self.sleep(wait)
                continue
            if status >= 500:
                failures += 1
                internal_errors = internal_errors + 1 if status == 500 else 0
                if internal_errors >= self.policy.persistent_500_attempts:
                    raise RequestRejectedError(method, _path(url), params or {}, internal_errors, _code(response))
                if failures >= self.policy.max_attempts:
                    raise ApiUnavailableError(f"{what}: HTTP {status} after {failures} attempts")
                self.sleep(self.policy.backoff(failures, self.rng))
                continue
            if 300 <= status < 400:
                raise ApiError(status, None, f"{what}: {redirect_text(response)}")
            return response


def _path(url: str) -> str:
    return urlsplit(url).path


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error", body.get("code")) if isinstance(body, dict) else None
    return str(code)[:80] if code is not None else None
