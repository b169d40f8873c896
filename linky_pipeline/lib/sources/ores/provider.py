"""ORES as a provider: two Wh load-curve endpoints, per-meter OAuth2 grants, a per-building quota."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.sources.errors import WindowError
from linky_pipeline.lib.sources.ores import contract
from linky_pipeline.lib.sources.ores.parsing import parse_curve
from linky_pipeline.lib.sources.provider import AuthKind, EndpointFacts, Quota


def months_before(day: date, months: int) -> date:
    """Same day-of-month `months` earlier, clamped to the month's last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


class OresProvider:
    """Static facts of the seed's ORES API."""

    name: Final = contract.NAME
    timezone: Final[ZoneInfo] = BRUSSELS
    api_versions: Final = (contract.API_VERSION,)
    auth: Final[AuthKind] = "per_meter"
    quota: Final = Quota(contract.CALLS_PER_SECOND, contract.CALLS_PER_HOUR, "building")

    def endpoints_for(self, direction: str) -> tuple[str, ...]:
        return (contract.ENDPOINT_OF[direction],)

    def endpoint(self, name: str) -> EndpointFacts:
        if name not in contract.DIRECTION_OF:
            raise WindowError(f"endpoint={name!r}: ORES serves only {sorted(contract.DIRECTION_OF)}")
        return EndpointFacts(name, "curve", contract.DIRECTION_OF[name], contract.WINDOW_DAYS)

    def horizon_start(self, endpoint: str, today: date) -> date:
        self.endpoint(endpoint)
        return months_before(today, contract.HISTORY_MONTHS)

    def parse_landed(self, endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str) -> pd.DataFrame:  # noqa: ARG002 - one version
        return parse_curve(payload, endpoint=endpoint, meter_id=meter_id)


ORES: Final = OresProvider()
