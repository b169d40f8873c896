"""Enedis as a provider: its five metering endpoints, 24/36-month horizons and the parsers of every generation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.endpoints import SOURCES, spec_of
from linky_pipeline.lib.sources.enedis.parsing import parse_v5
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.sources.enedis.quota import CALLS_PER_HOUR, CALLS_PER_SECOND
from linky_pipeline.lib.sources.enedis.windows import horizon_start
from linky_pipeline.lib.sources.provider import AuthKind, EndpointFacts, Quota

NAME: Final = "enedis"
_BY_DIRECTION: Final = {
    "consumption": ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power"),
    "production": ("production_load_curve", "daily_production"),
}


class EnedisProvider:
    """Static facts of Enedis Data Connect (v5 legacy, 2026 v1 and v2)."""

    name: Final = NAME
    timezone: Final[ZoneInfo] = PARIS
    api_versions: Final = tuple(SOURCES)
    auth: Final[AuthKind] = "application"  # client_credentials; consent is a grant to the application
    quota: Final = Quota(CALLS_PER_SECOND, CALLS_PER_HOUR, "application")

    def endpoints_for(self, direction: str) -> tuple[str, ...]:
        return _BY_DIRECTION[direction]

    def endpoint(self, name: str) -> EndpointFacts:
        spec = spec_of(name)
        return EndpointFacts(spec.name, spec.kind, spec.metric, spec.max_days)

    def horizon_start(self, endpoint: str, today: date) -> date:
        return horizon_start(endpoint, today)

    def parse_landed(self, endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str) -> pd.DataFrame:
        parse = parse_v2 if api_version == "2026-v2" else parse_v5
        return parse(payload, endpoint=endpoint, prm=meter_id, source=SOURCES[api_version])


ENEDIS: Final = EnedisProvider()
