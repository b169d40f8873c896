"""Enedis Data Connect source layer (v5 and the 2026 APIs): parsing, window planning and the HTTP client."""

from __future__ import annotations

from linky_pipeline.lib.enedis.client import EnedisClient
from linky_pipeline.lib.enedis.endpoints import ENDPOINTS, ApiMode, Endpoint, spec_of
from linky_pipeline.lib.enedis.errors import (
    ApiError,
    ApiUnavailableError,
    AuthenticationError,
    ConsentLostError,
    EnedisError,
    EnedisParseError,
    MalformedResponseError,
    QuotaExceededError,
    WindowError,
    WrongDirectionError,
)
from linky_pipeline.lib.enedis.parsing import parse_v5
from linky_pipeline.lib.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.enedis.results import FetchResult, WindowCall
from linky_pipeline.lib.enedis.transport import RetryPolicy
from linky_pipeline.lib.enedis.windows import WindowPlan, horizon_start, plan_windows

__all__ = [
    "ENDPOINTS",
    "ApiError",
    "ApiMode",
    "ApiUnavailableError",
    "AuthenticationError",
    "ConsentLostError",
    "Endpoint",
    "EnedisClient",
    "EnedisError",
    "EnedisParseError",
    "FetchResult",
    "MalformedResponseError",
    "QuotaExceededError",
    "RetryPolicy",
    "WindowCall",
    "WindowError",
    "WindowPlan",
    "WrongDirectionError",
    "horizon_start",
    "parse_v2",
    "parse_v5",
    "plan_windows",
    "spec_of",
]
