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

import httpx

from linky_pipeline.lib.sources.errors import ApiUnavailableError, QuotaExceededError
from linky_pipeline.lib.sources.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_NEXT_ACCESS_RE = re.compile(r"(\d{4})-([A-Za-z]{3})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s*([+-]\d{4})?")


@dataclass(frozen=True)
class RetryPolicy:
    """Retry bounds: attempts for 5xx/timeouts/malformed bodies, total seconds spent waiting out 429s."""

    max_attempts: int = 5
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    max_quota_wait_s: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential delay before retry number `attempt` (1-based), with jitter in [50 %, 100 %]."""
        return min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** (attempt - 1)) * (0.5 + rng.random() / 2)


class CallCounter:
    """HTTP calls made on behalf of one fetch (data, retries and token calls)."""

    def __init__(self) -> None:
        self.calls = 0


def parse_next_access(text: str) -> datetime | None:
    """'2026-Jul-17 05:00:00+0000 UTC' (WSO2 throttling body) → aware UTC datetime, None if unreadable."""
    match = _NEXT_ACCESS_RE.search(text)
    if not match or match.group(2).lower() not in _MONTHS:
        return None
    year, _, dom, hh, mm, ss, offset = match.groups()
    try:
        moment = datetime(int(year), _MONTHS[match.group(2).lower()], int(dom), int(hh), int(mm), int(ss), tzinfo=UTC)
    except ValueError:
        return None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return moment


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


class Transport:
    """Sends requests through the rate limiter, waiting out 429s and retrying 5xx/network failures."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        limiter: RateLimiter | None,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.http, self.limiter, self.policy = http, limiter, policy
        self.sleep, self.clock, self.rng = sleep, clock, rng

    def send(
        self,
        method: str,
        url: str,
        *,
        counter: CallCounter,
        what: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The first answer that is neither 429 nor 5xx; typed errors once the bounds are spent."""
        failures = 0
        quota_waited = 0.0
        while True:
            if self.limiter is not None:
                self.limiter.acquire()
            counter.calls += 1
            try:
                response = self.http.request(method, url, params=params, data=data, json=json, headers=headers)
            except httpx.TransportError as exc:  # timeouts, refused/reset connections, truncated bodies
                failures += 1
                logger.debug("%s: %s on attempt %d", what, type(exc).__name__, failures)
                if failures >= self.policy.max_attempts:
                    raise ApiUnavailableError(f"{what}: {type(exc).__name__} after {failures} attempts") from exc
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
                logger.debug("%s: quota reached, waiting %.1f s", what, wait)
                quota_waited += wait
                self.sleep(wait)
                continue
            if status >= 500:
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise ApiUnavailableError(f"{what}: HTTP {status} after {failures} attempts")
                self.sleep(self.policy.backoff(failures, self.rng))
                continue
            return response
