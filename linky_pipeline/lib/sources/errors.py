"""Typed failures of every meter source (Enedis, ORES, Belgian exports): callers branch on the class, never on text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from linky_pipeline.lib.sources.scrub import scrub


class SourceError(Exception):
    """Base of every error raised by a meter source; its text is scrubbed of anything secret-shaped (provider
    answers echo requests), so an exception can be logged or put in metadata as it is. `calls` counts the HTTP
    calls the failed fetch made before it gave up (a failed meter still spent quota)."""

    calls: int = 0

    def __init__(self, *args: object) -> None:
        super().__init__(*(scrub(a) if isinstance(a, str) else a for a in args))


class SourceParseError(SourceError):
    """A response body does not match the documented shape (names the field and the value)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = scrub(value) if isinstance(value, str) else value
        shown = repr(self.value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        super().__init__(f"{field}={shown}: {reason}")


class WindowError(SourceError):
    """A requested date range or endpoint is unusable before any HTTP call is made."""


class ApiError(SourceError):
    """An HTTP answer we cannot turn into data and must not retry (a bug or a configuration problem)."""

    def __init__(self, status: int, code: str | None, detail: str = "") -> None:
        self.status = status
        self.code = code
        text = f"HTTP {status} code={code!r}"
        super().__init__(f"{text}: {detail}" if detail else text)


class RequestRejectedError(ApiError):
    """Every attempt of one request got HTTP 500: Enedis answers 500 (not 400) to a request outside its contract, so
    after a bounded retry this is a request error naming the endpoint and parameters, not an outage to wait out."""

    def __init__(
        self, method: str, path: str, params: Mapping[str, str], attempts: int, code: str | None = None
    ) -> None:
        self.method, self.path, self.params = method, path, dict(params)
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items())) or "no query parameters"
        super().__init__(
            500,
            code,
            f"{method} {path} ({shown}) answered HTTP 500 on each of {attempts} attempts: the API rejects this "
            "request (a gateway may answer 500 to a request outside its published contract) or fails on it every time",
        )


class AuthenticationError(ApiError):
    """The token endpoint refused our client credentials, or a fresh token was refused."""


class CredentialsRefusedError(AuthenticationError):
    """The token endpoint refused the application's client credentials: no call of that provider can succeed (a
    fresh token refused on one data call may concern that call only, and stays a plain AuthenticationError)."""


class ConsentLostError(ApiError):
    """The customer revoked consent or no longer owns the PRM: mark the meter, notify, do not retry."""

    def __init__(self, prm: str, code: str, status: int = 403) -> None:
        self.prm = prm
        super().__init__(status, code, f"consent lost for usage_point_id={prm!r}")


class WrongDirectionError(ApiError):
    """Consumption asked on a production-only PRM or the reverse (ADAM-ERR0069): a registry error."""

    def __init__(self, prm: str, endpoint: str) -> None:
        self.prm = prm
        self.endpoint = endpoint
        super().__init__(400, "ADAM-ERR0069", f"endpoint={endpoint!r} does not match usage_point_id={prm!r}")


class QuotaExceededError(SourceError):
    """The provider quota stays exhausted beyond the wait we accept; retry_at says when it reopens."""

    def __init__(self, detail: str, retry_at: datetime | None) -> None:
        self.retry_at = retry_at
        super().__init__(f"{detail} (retry_at={retry_at.isoformat() if retry_at else None})")


class ApiUnavailableError(SourceError):
    """5xx answers, timeouts or connection failures outlasted the bounded backoff."""


class MalformedResponseError(SourceError):
    """The body was not JSON, was truncated, or failed validation on every attempt."""


class SourceConfigError(SourceError):
    """A source is missing a setting (an environment variable, an option): names it, never its value."""


class ConsentApiError(SourceError):
    """A consent-side call (subscribed services, direction probe) answered something unusable."""
