"""Parse a landed raw answer with the parser of the API generation that produced it."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from linky_pipeline.lib.belgium.payload import API_VERSION as BE_CSV_VERSION
from linky_pipeline.lib.belgium.payload import payload_readings
from linky_pipeline.lib.enedis.endpoints import SOURCES
from linky_pipeline.lib.enedis.parsing import parse_v5
from linky_pipeline.lib.enedis.parsing_v2 import parse_v2


def parse_raw(endpoint: str, api_version: str, payload: Mapping[str, object], prm: str) -> pd.DataFrame:
    if api_version == BE_CSV_VERSION:
        return payload_readings(payload, meter_id=prm)
    if api_version == "2026-v2":
        return parse_v2(payload, endpoint=endpoint, prm=prm, source=SOURCES[api_version])
    return parse_v5(payload, endpoint=endpoint, prm=prm, source=SOURCES[api_version])
