"""The five metering endpoints and where each lives in every API generation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, TypeGuard

from linky_pipeline.lib.sources.errors import WindowError

Endpoint = Literal[
    "consumption_load_curve",
    "production_load_curve",
    "daily_consumption",
    "daily_production",
    "daily_consumption_max_power",
]
Kind = Literal["curve", "daily", "max_power"]
ApiVersion = Literal["v5", "2026-v1", "2026-v2"]
ApiMode = Literal["v5", "2026-v1", "2026-v2", "auto"]

SOURCES: Final[dict[str, str]] = {"v5": "enedis-v5", "2026-v1": "enedis-2026-v1", "2026-v2": "enedis-2026-v2"}
API_MODES: Final[tuple[ApiMode, ...]] = ("v5", "2026-v1", "2026-v2", "auto")
# The v5 endpoints stopped after the 2026-09-28 switch: production talks to the 2026 v2 API directly. `auto` (v2
# first, v5 on failure) was for the transition: once v5 is gone a v2 outage would pin a dead API for the run.
DEFAULT_API_MODE: Final[ApiMode] = "2026-v2"


def _is_api_mode(text: str) -> TypeGuard[ApiMode]:
    return text in API_MODES


def api_mode_of(text: str) -> ApiMode:
    """`text` as an ApiMode (configuration arrives as a plain string); raises WindowError naming it otherwise."""
    if not _is_api_mode(text):
        raise WindowError(f"api_mode={text!r}: expected one of {API_MODES}")
    return text


@dataclass(frozen=True)
class EndpointSpec:
    """Static facts about one metering endpoint."""

    name: str
    kind: Kind
    metric: str
    v5_path: str
    v2_name: str
    v2_extra: dict[str, str] = field(default_factory=dict)

    @property
    def max_days(self) -> int:
        """Longest window one call accepts (ADAM-DC-0015 above it for curves)."""
        return 7 if self.kind == "curve" else 365


ENDPOINTS: Final[dict[str, EndpointSpec]] = {
    "consumption_load_curve": EndpointSpec(
        "consumption_load_curve",
        "curve",
        "consumption",
        "/metering_data_clc/v5/consumption_load_curve",
        "courbe_de_charge_consommation",
    ),
    "production_load_curve": EndpointSpec(
        "production_load_curve",
        "curve",
        "production",
        "/metering_data_plc/v5/production_load_curve",
        "courbe_de_charge_production",
    ),
    "daily_consumption": EndpointSpec(
        "daily_consumption",
        "daily",
        "consumption",
        "/metering_data_dc/v5/daily_consumption",
        "consommation_quotidienne",
    ),
    "daily_production": EndpointSpec(
        "daily_production", "daily", "production", "/metering_data_dp/v5/daily_production", "production_quotidienne"
    ),
    "daily_consumption_max_power": EndpointSpec(
        "daily_consumption_max_power",
        "max_power",
        "consumption",
        "/metering_data_dcmp/v5/daily_consumption_max_power",
        "puissance_conso_max_quotidienne",
        {"mesuresPas": "P1D", "grandeurPhysique": "PMA"},
    ),
}


def spec_of(endpoint: str) -> EndpointSpec:
    """The spec of a known endpoint name."""
    try:
        return ENDPOINTS[endpoint]
    except KeyError:
        raise WindowError(f"endpoint={endpoint!r}: unknown, expected one of {sorted(ENDPOINTS)}") from None


def path_for(spec: EndpointSpec, version: ApiVersion) -> str:
    """URL path (after the base URL) of an endpoint in one API generation."""
    if version == "v5":
        return spec.v5_path
    if version == "2026-v1":
        return f"/mesure_synchrone_auto/v1/metering_data/{spec.name}"
    return f"/mesure_synchrone_auto/v2/{spec.v2_name}"


def query_for(spec: EndpointSpec, version: ApiVersion, prm: str, start: str, end: str) -> dict[str, str]:
    """Query parameters of a metering call (dates as YYYY-MM-DD, end exclusive)."""
    if version == "2026-v2":
        return {"pointId": prm, "dateDebut": start, "dateFin": end, **spec.v2_extra}
    return {"usage_point_id": prm, "start": start, "end": end}
