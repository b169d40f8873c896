"""One interface for every meter source: what it serves, how far back, under which quota and authorisation, and
how to read what it answered.

A provider is static knowledge (no credentials, no network): the planner, the landing, the table builders, the
checks and the consent commands use it per meter's provider. A `MeterClient` is the runtime half that makes the
calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.canonical import EndpointKind
from linky_pipeline.lib.domain.localtime import days_in_range, next_month
from linky_pipeline.lib.sources.errors import SourceConfigError
from linky_pipeline.lib.sources.results import FetchResult


@dataclass(frozen=True)
class EndpointFacts:
    """What the pipeline needs to know about one endpoint of a provider."""

    name: str
    kind: EndpointKind
    metric: str  # consumption | production
    max_days: int  # longest window one call accepts


# How a provider's calls are authorised:
# - "application": the application's own credentials (a client_credentials token shared by every meter);
# - "per_meter": each customer's OAuth2 authorization-code grant (access + refresh token sealed per meter);
# - "none": nothing is fetched (imported files).
AuthKind = Literal["application", "per_meter", "none"]


@dataclass(frozen=True)
class Quota:
    """A provider's call budget and who shares it: the whole application, or each building on its own."""

    per_second: float
    per_hour: int
    scope: Literal["application", "building"]

    def key(self, provider: str, building: str) -> str:
        """The shared limiter's key (api_rate_limits row) for a call made for `building`."""
        return provider if self.scope == "application" else f"{provider}:{building}"


class Provider(Protocol):
    """Static facts of a meter source."""

    @property
    def name(self) -> str:
        """The registry's provider code (meters.provider)."""
        ...

    @property
    def timezone(self) -> ZoneInfo:
        """The zone its local days and labels are in."""
        ...

    @property
    def api_versions(self) -> tuple[str, ...]:
        """Values of raw_load_curves.api_version this provider wrote and can parse again."""
        ...

    @property
    def auth(self) -> AuthKind:
        """How its calls are authorised (decides what `meters connect` asks and what the vault holds)."""
        ...

    @property
    def quota(self) -> Quota | None:
        """Default call budget (None: nothing is fetched); deployments may lower or raise it in settings."""
        ...

    def endpoints_for(self, direction: str) -> tuple[str, ...]:
        """Endpoints a meter of this direction is fetched from (empty when its data is imported)."""
        ...

    def endpoint(self, name: str) -> EndpointFacts:
        """Facts of one endpoint (raises WindowError for an unknown name)."""
        ...

    def horizon_start(self, endpoint: str, today: date) -> date:
        """Earliest day the provider serves for `endpoint` when asked on `today`."""
        ...

    def parse_landed(self, endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str) -> pd.DataFrame:
        """A landed answer back to its canonical frame."""
        ...


class MeterClient(Protocol):
    """The runtime half of a provider: fetch one meter's endpoint over [start, end)."""

    def fetch(
        self, meter_id: str, endpoint: str, start: date, end: date, activation_date: date | None = None
    ) -> FetchResult:
        """Every window of [start, end); raises a SourceError instead of returning partial data."""
        ...


def eligible_days(
    provider: Provider, endpoint: str, month: date, reference: date, activation: date | None
) -> list[date]:
    """Days of `month` the provider can answer for at all: published (before `reference`), inside its history
    horizon and not before the meter's activation."""
    first = max(month, provider.horizon_start(endpoint, reference), activation or month)
    last = min(next_month(month), reference)
    return list(days_in_range(first, last))


class UnavailableClient:
    """Stands in for a provider this run cannot use (not configured): each of its meters fails with the reason,
    reported per meter, while the other providers' meters sync."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def fetch(
        self,
        meter_id: str,
        endpoint: str,  # noqa: ARG002 - every call fails the same way
        start: date,  # noqa: ARG002
        end: date,  # noqa: ARG002
        activation_date: date | None = None,  # noqa: ARG002
    ) -> FetchResult:
        raise SourceConfigError(f"{self.reason} (meter {meter_id})")
