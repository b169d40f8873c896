"""The output shape shared by the usage-alert detectors (the columns of table usage_alerts): ids, rows, frames."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Final

import pandas as pd

from linky_pipeline.lib.anomalies.core import AnomalyInputError, severity_for_ratio

RULE_POWER: Final = "subscribed_power"
RULE_STANDBY: Final = "standby_baseline_28d"
RULE_WOW_ENERGY: Final = "week_over_week_energy"
RULE_WOW_COST: Final = "week_over_week_cost"
USAGE_RULES: Final = (RULE_POWER, RULE_STANDBY, RULE_WOW_ENERGY, RULE_WOW_COST)
DEFAULT_THRESHOLDS: Final = {RULE_POWER: 100.0, RULE_STANDBY: 150.0, RULE_WOW_ENERGY: 130.0, RULE_WOW_COST: 130.0}

ALERT_COLUMNS: Final = (
    "alert_id",
    "building_code",
    "meter_pk",
    "rule",
    "period_start",
    "local_day",
    "value",
    "baseline",
    "unit",
    "ratio_percent",
    "threshold_percent",
    "severity",
    "message",
)

AlertRow = dict[str, object]


def alert_id(meter_pk: int, rule: str, period_start: date) -> str:
    key = f"{int(meter_pk)}|{rule}|{period_start.isoformat()}"
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


def empty_alerts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS})


def french(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def sorted_rows(rows: list[AlertRow]) -> list[AlertRow]:
    """A detector's rows by meter, day and rule (one detector never gives two rows for the same three)."""
    return sorted(rows, key=lambda r: (r["meter_pk"], r["local_day"], r["rule"]))


def alert_frame(rows: list[AlertRow]) -> pd.DataFrame:
    if not rows:
        return empty_alerts()
    return pd.DataFrame(sorted_rows(rows), columns=list(ALERT_COLUMNS))


def alert_row(
    building: str, meter_pk: int, rule: str, start: date, day: date, value: float, baseline: float, unit: str,
    threshold: float, message: str,
) -> AlertRow:  # fmt: skip
    ratio = value / baseline
    return {
        "alert_id": alert_id(meter_pk, rule, start),
        "building_code": building,
        "meter_pk": int(meter_pk),
        "rule": rule,
        "period_start": start,
        "local_day": day,
        "value": round(float(value), 6),
        "baseline": round(float(baseline), 6),
        "unit": unit,
        "ratio_percent": round(100 * ratio, 3),
        "threshold_percent": float(threshold),
        "severity": severity_for_ratio(ratio),
        "message": message,
    }


def check_threshold(threshold: float, floor: float) -> None:
    if not floor < float(threshold) <= 10000:
        raise AnomalyInputError(f"threshold_percent must be in ({floor:g}, 10000], got {threshold!r}")
