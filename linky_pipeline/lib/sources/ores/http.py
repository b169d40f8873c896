"""One ORES HTTP exchange with the seed's error rules ("Gestion Erreurs"):

- 429 → exponential backoff 2, 4, 8, 16 s, then QuotaExceededError;
- network failure or timeout → 3 retries with the same backoff, then ApiUnavailableError;
- 503 → no retry: ApiUnavailableError at once (the meter's days stay unfetched; the next cycle asks again);
- other 5xx → treated as a network failure (3 retries).

The shared `transport.Transport` does not fit: it retries 503 and waits 429s for the time the server states.
Never logs headers, bodies or form fields (the bearer token and the client secret travel there).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import httpx

from linky_pipeline.lib.sources.errors import ApiUnavailableError, QuotaExceededError
from linky_pipeline.lib.sources.ores import contract
from linky_pipeline.lib.sources.ratelimit import RateLimiter
from linky_pipeline.lib.sources.scrub import scrub_http_logs
from linky_pipeline.lib.sources.transport import CallCounter

logger = logging.getLogger(__name__)


class OresHttp:
    """Thread-safe (one httpx pool); `backoff_base_s` = 2 gives the seed's 2, 4, 8, 16 s."""

    def __init__(
        self,
        *,
        timeout_s: float,
        backoff_base_s: float,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ) -> None:
        self.http = http or httpx.Client(timeout=timeout_s)
        scrub_http_logs()
        self.backoff_base_s = backoff_base_s
        self._sleep = sleep

    def close(self) -> None:
        self.http.close()

    def backoff(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based): base × 2^(attempt − 1)."""
        return self.backoff_base_s * float(2 ** (attempt - 1))

    def send(
        self,
        method: str,
        url: str,
        *,
        counter: CallCounter,
        what: str,
        limiter: RateLimiter | None = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The first answer that is not 429 or 5xx; a typed error once the seed's bounds are spent."""
        quota_retries = failures = 0
        while True:
            if limiter is not None:
                limiter.acquire()
            counter.calls += 1
            try:
                response = self.http.request(method, url, params=params, content=content, headers=headers)
            except httpx.TransportError as exc:  # timeouts, refused or reset connections, truncated bodies
                failures += 1
                logger.debug("%s: %s (failure %d)", what, type(exc).__name__, failures)
                if failures > contract.TIMEOUT_RETRIES:
                    raise ApiUnavailableError(
                        f"{what}: {type(exc).__name__} after {contract.TIMEOUT_RETRIES} retries"
                    ) from exc
                self._sleep(self.backoff(failures))
                continue
            status = response.status_code
            logger.debug("%s: HTTP %d", what, status)
            if status == 429:
                quota_retries += 1
                if quota_retries > contract.QUOTA_RETRIES:
                    waits = ", ".join(f"{self.backoff(n):g}" for n in range(1, contract.QUOTA_RETRIES + 1))
                    raise QuotaExceededError(f"{what}: still HTTP 429 after backing off {waits} s", None)
                self._sleep(self.backoff(quota_retries))
                continue
            if status == 503:
                raise ApiUnavailableError(f"{what}: HTTP 503, skipped (asked again next cycle)")
            if status >= 500:
                failures += 1
                if failures > contract.TIMEOUT_RETRIES:
                    raise ApiUnavailableError(f"{what}: HTTP {status} after {contract.TIMEOUT_RETRIES} retries")
                self._sleep(self.backoff(failures))
                continue
            return response
