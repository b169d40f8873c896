"""Belgian quarter-hour CSV exports as a provider: nothing is fetched, imported files land as one curve endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.sources.belgium.payload import API_VERSION, ENDPOINT, payload_readings
from linky_pipeline.lib.sources.errors import WindowError
from linky_pipeline.lib.sources.provider import AuthKind, EndpointFacts

NAME: Final = "be_csv"


class BelgianCsvProvider:
    """Customer-portal exports: no API, no horizon (the files say what they cover)."""

    name: Final = NAME
    timezone: Final[ZoneInfo] = BRUSSELS
    api_versions: Final = (API_VERSION,)
    auth: Final[AuthKind] = "none"
    quota: Final = None

    def endpoints_for(self, direction: str) -> tuple[str, ...]:  # noqa: ARG002 - imported, never fetched
        return ()

    def endpoint(self, name: str) -> EndpointFacts:
        if name != ENDPOINT:
            raise WindowError(f"endpoint={name!r}: Belgian CSV imports land only {ENDPOINT!r}")
        return EndpointFacts(ENDPOINT, "curve", "consumption", 31)

    def horizon_start(self, endpoint: str, today: date) -> date:  # noqa: ARG002 - no horizon
        return date.min

    def parse_landed(self, endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str) -> pd.DataFrame:  # noqa: ARG002
        return payload_readings(payload, meter_id=meter_id)


BELGIAN_CSV: Final = BelgianCsvProvider()
