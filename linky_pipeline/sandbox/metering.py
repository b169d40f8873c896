"""Metering endpoints (v5, 2026 'Mesures V1' and v2): request rules, errors and response bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from linky_pipeline.lib.domain.localtime import days_in_range
from linky_pipeline.sandbox.meters import METERS, Direction
from linky_pipeline.sandbox.profile import EPOCH, HORIZON_END
from linky_pipeline.sandbox.series import curve_points, daily_values, max_power_values
from linky_pipeline.sandbox.settings import SandboxError, SandboxSettings

Kind = Literal["curve", "daily", "max_power"]
_PRM: Final = re.compile(r"^[0-9]{14}$")
_DAY: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ApiError(SandboxError):
    """An Enedis-shaped error answer: HTTP status plus {"error", "error_description"}."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, str]:
        """The JSON body Enedis sends with this error."""
        return {"error": self.code, "error_description": self.description}


@dataclass(frozen=True)
class Endpoint:
    """One metering resource, whatever API generation it is reached through."""

    name: str  # the v5 / Mesures V1 name
    direction: Direction
    kind: Kind
    v2_name: str


ENDPOINTS: Final[dict[str, Endpoint]] = {
    e.name: e
    for e in (
        Endpoint("consumption_load_curve", "consumption", "curve", "courbe_de_charge_consommation"),
        Endpoint("production_load_curve", "production", "curve", "courbe_de_charge_production"),
        Endpoint("daily_consumption", "consumption", "daily", "consommation_quotidienne"),
        Endpoint("daily_production", "production", "daily", "production_quotidienne"),
        Endpoint("daily_consumption_max_power", "consumption", "max_power", "puissance_conso_max_quotidienne"),
    )
}
V5_PATHS: Final[dict[str, str]] = {
    "/metering_data_clc/v5/consumption_load_curve": "consumption_load_curve",
    "/metering_data_plc/v5/production_load_curve": "production_load_curve",
    "/metering_data_dc/v5/daily_consumption": "daily_consumption",
    "/metering_data_dp/v5/daily_production": "daily_production",
    "/metering_data_dcmp/v5/daily_consumption_max_power": "daily_consumption_max_power",
}
V1_PATHS: Final[dict[str, str]] = {f"/mesure_synchrone_auto/v1/metering_data/{n}": n for n in ENDPOINTS}
V2_PATHS: Final[dict[str, str]] = {f"/mesure_synchrone_auto/v2/{e.v2_name}": e.name for e in ENDPOINTS.values()}

CURVE_MAX_DAYS: Final = 7
DAILY_MAX_DAYS: Final = 365
NO_DATA: Final = ("no_data_found", "no measure found for this usage point")


@dataclass(frozen=True)
class MeteringQuery:
    """A validated metering request: PRM and the [start, end) window of local days."""

    prm: str
    start: date
    end: date


def months_before(day: date, months: int) -> date:
    """`day` minus whole calendar months (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def history_limit(kind: Kind, today: date) -> date:
    """Oldest start allowed: today − 24 months − 15 days for curves, − 36 months − 15 days otherwise."""
    return months_before(today, 24 if kind == "curve" else 36) - timedelta(days=15)


V2_PARAMETERS: Final = frozenset({"pointId", "dateDebut", "dateFin"})
V2_MAX_POWER_PARAMETERS: Final = frozenset({"mesuresPas", "grandeurPhysique"})


def check_v2_contract(endpoint: Endpoint, params: Mapping[str, str]) -> None:
    """The 2026 gateway answers 500, not 400, to a request outside its published contract (a misspelt or
    missing parameter, the PRM passed under another name); values are checked later and answer 400."""
    allowed = V2_PARAMETERS | (V2_MAX_POWER_PARAMETERS if endpoint.kind == "max_power" else frozenset())
    if not set(params) >= V2_PARAMETERS or not set(params) <= allowed:
        raise ApiError(500, "technical_error", "Technical error. Please try later.")


def parse_query(params: Mapping[str, str], v2: bool) -> MeteringQuery:
    """Validate the query string; names are the v5 ones or the 2026 v2 ones."""
    prm_name, start_name, end_name = ("pointId", "dateDebut", "dateFin") if v2 else ("usage_point_id", "start", "end")
    prm = params.get(prm_name, "")
    if not _PRM.match(prm):
        raise ApiError(400, "Invalid_request", f"{prm_name} parameter must be 14 digits long")
    days: list[date] = []
    for name in (start_name, end_name):
        raw = params.get(name, "")
        try:
            if not _DAY.match(raw):
                raise ValueError(raw)
            days.append(date.fromisoformat(raw))
        except ValueError:
            raise ApiError(400, "Invalid_request", f"{name} parameter must be a date YYYY-MM-DD, got {raw!r}") from None
    return MeteringQuery(prm, days[0], days[1])


def select_days(endpoint: Endpoint, query: MeteringQuery, settings: SandboxSettings) -> list[date]:
    """Apply Enedis's rules in its order and return the local days that have data."""
    spec = METERS.get(query.prm)
    if spec is None:
        raise ApiError(404, "STM-ERR-0000019", "Unknown usage point or user not authorized for it")
    if spec.consent_revoked:
        raise ApiError(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.")
    if endpoint.direction not in spec.directions:
        raise ApiError(400, "ADAM-ERR0069", f"The usage point has no {endpoint.direction} data")
    today = settings.effective_today()
    if query.start >= query.end:
        raise ApiError(400, "Invalid_request", "Start date should be before end date.")
    if query.end > today:
        raise ApiError(400, "Invalid_request", "The end date parameter must be earlier than the current date")
    span = (query.end - query.start).days
    if endpoint.kind == "curve" and span > CURVE_MAX_DAYS:
        raise ApiError(400, "ADAM-DC-0015", "The requested period must not exceed 7 days for a load curve")
    if endpoint.kind != "curve" and span > DAILY_MAX_DAYS:
        raise ApiError(400, "Invalid_request", "The requested period must not exceed 365 days")
    if query.start < spec.activation:
        raise ApiError(
            400, "ADAM-ERR0123", "The requested period cannot be anterior to the meter's last activation date"
        )
    if query.start < history_limit(endpoint.kind, today) or query.start < EPOCH or query.end > HORIZON_END:
        raise ApiError(400, "ADAM-ERR0125", "The start date is before the history limit of this data")
    if endpoint.kind == "curve" and not spec.curve_enabled:
        raise ApiError(404, *NO_DATA)
    asked = [d for d in days_in_range(query.start, query.end) if not spec.has_hole(d)]
    days = [d for d in asked if (query.prm, d) not in settings.withheld_days | settings.empty_days]
    if not days and not any((query.prm, d) in settings.empty_days for d in asked):
        raise ApiError(404, *NO_DATA)
    return days  # empty: a 200 without a single point


def v5_body(endpoint: Endpoint, query: MeteringQuery, days: list[date]) -> dict[str, Any]:
    """The v5 / Mesures V1 `meter_reading` envelope, every value a string."""
    if endpoint.kind == "curve":
        reading_type = {"unit": "W", "measurement_kind": "power", "aggregate": "average"}
        readings = [
            {"value": str(p.watts), "date": p.label, "interval_length": f"PT{p.interval_s // 60}M", "measure_type": "B"}
            for p in curve_points(query.prm, endpoint.direction, days)
        ]
    elif endpoint.kind == "daily":
        reading_type = {"unit": "Wh", "measurement_kind": "energy", "aggregate": "sum", "measuring_period": "P1D"}
        readings = [{"value": str(v.value), "date": v.label} for v in daily_values(query.prm, endpoint.direction, days)]
    else:
        reading_type = {"unit": "VA", "measurement_kind": "power", "aggregate": "maximum", "measuring_period": "P1D"}
        readings = [{"value": str(v.value), "date": v.label} for v in max_power_values(query.prm, days)]
    return {
        "meter_reading": {
            "usage_point_id": query.prm,
            "start": query.start.isoformat(),
            "end": query.end.isoformat(),
            "quality": "BRUT",
            "reading_type": reading_type,
            "interval_reading": readings,
        }
    }


def v2_body(endpoint: Endpoint, query: MeteringQuery, days: list[date]) -> dict[str, Any]:
    """The 2026 v2 (SGE R63-like) shape."""
    flags = {"n": "B", "iv": "0", "ec": "0"}
    if endpoint.kind == "curve":
        physical, unit = "PA", "W"
        points = [
            {"v": str(p.watts), "d": p.label, "p": f"PT{p.interval_s // 60}M", **flags}
            for p in curve_points(query.prm, endpoint.direction, days)
        ]
    elif endpoint.kind == "daily":
        physical, unit = "EA", "Wh"
        points = [{"v": str(v.value), "d": v.label, **flags} for v in daily_values(query.prm, endpoint.direction, days)]
    else:
        physical, unit = "PMA", "VA"
        points = [{"v": str(v.value), "d": v.label, **flags} for v in max_power_values(query.prm, days)]
    body: dict[str, Any] = {
        "idPrm": query.prm,
        "etapeMetier": "BRUT",
        "periode": {"dateDebut": query.start.isoformat(), "dateFin": query.end.isoformat()},
        "modeCalcul": "MESURE",
    }
    if endpoint.kind != "curve":
        body["pas"] = "P1D"
    body["grandeur"] = [
        {
            "grandeurMetier": "CONS" if endpoint.direction == "consumption" else "PROD",
            "grandeurPhysique": physical,
            "unite": unit,
            "points": points,
            "calendrier": [],
        }
    ]
    body["contexte"] = []
    return body
