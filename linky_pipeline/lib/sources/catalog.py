"""The providers this installation knows, looked up by a meter's `provider` code.

The one place that lists the implementations; shared code asks it instead of naming a provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import pandas as pd

from linky_pipeline.lib.sources.belgium.provider import BELGIAN_CSV
from linky_pipeline.lib.sources.enedis.provider import ENEDIS
from linky_pipeline.lib.sources.errors import WindowError
from linky_pipeline.lib.sources.provider import Provider

PROVIDERS: Final[dict[str, Provider]] = {p.name: p for p in (ENEDIS, BELGIAN_CSV)}
_BY_API_VERSION: Final[dict[str, Provider]] = {v: p for p in PROVIDERS.values() for v in p.api_versions}
# interval-energy endpoints the readings table is built from (API load curves and imported files)
READING_ENDPOINTS: Final = ("consumption_load_curve", "production_load_curve", "quarter_hour_csv")
DAILY_ENDPOINTS: Final = {"consumption": "daily_consumption", "production": "daily_production"}
MAX_POWER_ENDPOINT: Final = "daily_consumption_max_power"


def provider(name: str) -> Provider:
    """The provider of a meter (`meters.provider`)."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise WindowError(f"provider={name!r}: unknown, expected one of {sorted(PROVIDERS)}") from None


def curve_endpoint(direction: str) -> str:
    return f"{direction}_load_curve"


def parse_landed(endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str) -> pd.DataFrame:
    """A landed answer parsed by the provider that wrote it (its api_version says which)."""
    try:
        owner = _BY_API_VERSION[api_version]
    except KeyError:
        raise WindowError(f"api_version={api_version!r}: no provider parses it") from None
    return owner.parse_landed(endpoint, api_version, payload, meter_id)


def history_start(today: date) -> date:
    """Earliest day any provider serves history for (the daily horizon): where a full backfill begins."""
    return min(
        p.horizon_start(e, today)
        for p in PROVIDERS.values()
        for d in ("consumption", "production")
        for e in p.endpoints_for(d)
    )


# providers whose meters are fetched from an API (the others' data is imported)
FETCHED_PROVIDERS: Final = sorted(
    name for name, p in PROVIDERS.items() if p.endpoints_for("consumption") or p.endpoints_for("production")
)
