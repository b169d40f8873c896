"""Usage alerts beyond the 7-day rule (issue 15): pure Python and numpy, one output shape (the columns of usage_alerts).

- `detect_power_overruns`: a day's maximum apparent power above the meter's subscribed kVA × threshold.
- `detect_standby_rises` (lib/anomalies/standby.py): the night's base load above the median of the 28 previous
  nights × threshold, first night of a rise only.
- `detect_week_over_week`: a local week (Monday–Sunday, at least 5 valid days, scaled to 7) above the previous
  such week × threshold, for energy (kWh) or cost (€).
Each detector has a `*_rows` form taking plain rows (what the database returns) and giving alert rows: the tables
layer uses those, as building DataFrames for a month's few dozen rows cost more than the detection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd

from linky_pipeline.lib.anomalies.alerts import (
    ALERT_COLUMNS,
    DEFAULT_THRESHOLDS,
    RULE_POWER,
    RULE_STANDBY,
    RULE_WOW_COST,
    RULE_WOW_ENERGY,
    USAGE_RULES,
    AlertRow,
    alert_frame,
    alert_id,
    alert_row,
    check_threshold,
    empty_alerts,
    french,
    sorted_rows,
)
from linky_pipeline.lib.anomalies.core import AnomalyInputError
from linky_pipeline.lib.anomalies.standby import (
    BASELINE_NIGHTS,
    MIN_BASELINE_NIGHTS,
    MIN_EXCESS_KW,
    MIN_NIGHT_COVERAGE,
    NIGHT_HOURS,
    Nights,
    detect_standby_rises,
    night_base_load,
    nights_of,
    standby_rows,
)

__all__ = [
    "ALERT_COLUMNS",
    "BASELINE_NIGHTS",
    "DEFAULT_THRESHOLDS",
    "MIN_BASELINE_NIGHTS",
    "MIN_EXCESS_KW",
    "MIN_NIGHT_COVERAGE",
    "NIGHT_HOURS",
    "RULE_POWER",
    "RULE_STANDBY",
    "RULE_WOW_COST",
    "RULE_WOW_ENERGY",
    "USAGE_RULES",
    "AlertRow",
    "Nights",
    "alert_id",
    "detect_power_overruns",
    "detect_standby_rises",
    "detect_week_over_week",
    "empty_alerts",
    "french",
    "history_start",
    "night_base_load",
    "nights_of",
    "power_overrun_rows",
    "sorted_rows",
    "standby_rows",
    "week_over_week_rows",
]


def power_overrun_rows(
    days: Iterable[tuple[Any, ...]],
    subscribed_kva: Mapping[tuple[int, date], float],
    *,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = DEFAULT_THRESHOLDS[RULE_POWER],
) -> list[AlertRow]:
    """`detect_power_overruns` on (meter_pk, day, max_power_va) rows."""
    check_threshold(threshold_percent, 50)
    rows = []
    for meter_pk, day, va in days:
        kva = subscribed_kva.get((int(meter_pk), day))
        if kva is None or not emit_from <= day < emit_to or kva <= 0:
            continue
        peak = float(va) / 1000
        if peak > float(kva) * float(threshold_percent) / 100:
            message = (
                f"Puissance maximale {french(peak)} kVA le {day:%d/%m/%Y}, au-dessus de la puissance souscrite "
                f"({french(float(kva), 1)} kVA)"
            )
            rows.append(
                alert_row(building_code, meter_pk, RULE_POWER, day, day, peak, kva, "kVA", threshold_percent, message)
            )
    return rows


def detect_power_overruns(
    max_power: pd.DataFrame,
    subscribed_kva: Mapping[tuple[int, date], float],
    *,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = DEFAULT_THRESHOLDS[RULE_POWER],
) -> pd.DataFrame:
    """Days whose max apparent power (columns meter_pk, day, max_power_va) exceeds the subscribed kVA of that
    meter and day × threshold/100. Days without a known subscribed power are not judged."""
    days = max_power[["meter_pk", "day", "max_power_va"]].itertuples(index=False, name=None)
    return alert_frame(
        power_overrun_rows(
            days,
            subscribed_kva,
            building_code=building_code,
            emit_from=emit_from,
            emit_to=emit_to,
            threshold_percent=threshold_percent,
        )
    )


def week_over_week_rows(
    daily: Iterable[tuple[Any, ...]],
    *,
    rule: str,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float | None = None,
    min_excess: float | None = None,
    min_days: int = 5,
) -> list[AlertRow]:
    """`detect_week_over_week` on (meter_pk, day, value, valid) rows."""
    if not 1 <= min_days <= 7:
        raise AnomalyInputError(f"min_days must be in [1, 7], got {min_days!r}")
    if rule not in (RULE_WOW_ENERGY, RULE_WOW_COST):
        raise AnomalyInputError(f"rule must be {RULE_WOW_ENERGY} or {RULE_WOW_COST}, got {rule!r}")
    threshold = float(threshold_percent if threshold_percent is not None else DEFAULT_THRESHOLDS[rule])
    check_threshold(threshold, 100)
    unit, what = ("kWh", "Consommation") if rule == RULE_WOW_ENERGY else ("EUR", "Coût")
    excess = float(min_excess if min_excess is not None else (5.0 if unit == "kWh" else 1.0))
    rows: list[AlertRow] = []
    sums: dict[tuple[int, date], list[float]] = {}
    for meter_pk, day, value, valid in daily:
        if not valid or value is None or pd.isna(value):
            continue
        monday = day - timedelta(days=day.weekday())
        sums.setdefault((int(meter_pk), monday), []).append(float(value))
    # A week is judged with at least `min_days` valid days, scaled to 7 (a meter that never reports on Tuesdays
    # still has comparable weeks); the value is then the estimated week, said so in the message.
    weeks = {key: sum(values) * 7 / len(values) for key, values in sums.items() if len(values) >= min_days}
    counts = {key: len(values) for key, values in sums.items()}
    for (meter_pk, first), total in sorted(weeks.items()):
        previous = weeks.get((meter_pk, first - timedelta(days=7)))
        sunday = first + timedelta(days=6)
        if previous is None or previous <= 0 or not emit_from <= sunday < emit_to:
            continue
        if total > previous * threshold / 100 and total - previous >= excess:
            estimated = " (estimée)" if counts[(meter_pk, first)] < 7 else ""
            message = (
                f"{what} de la semaine du {first:%d/%m} au {sunday:%d/%m/%Y}{estimated} : {french(total)} "
                f"{'kWh' if unit == 'kWh' else '€'}, +{french(100 * (total / previous - 1), 0)} % par rapport à "
                f"la semaine précédente ({french(previous)})"
            )
            rows.append(
                alert_row(building_code, meter_pk, rule, first, sunday, total, previous, unit, threshold, message)
            )
    return rows


def detect_week_over_week(
    daily: pd.DataFrame,
    *,
    rule: str,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float | None = None,
    min_excess: float | None = None,
    min_days: int = 5,
) -> pd.DataFrame:
    """Weeks (Monday–Sunday, ≥ `min_days` valid days, scaled to 7) above the previous such week × threshold/100.

    daily: meter_pk, day, value, valid (energy: complete days of daily_consumption; cost: non-partial daily_cost).
    A week is emitted on its Sunday when that Sunday is in [emit_from, emit_to)."""
    return alert_frame(
        week_over_week_rows(
            daily[["meter_pk", "day", "value", "valid"]].itertuples(index=False, name=None),
            rule=rule,
            building_code=building_code,
            emit_from=emit_from,
            emit_to=emit_to,
            threshold_percent=threshold_percent,
            min_excess=min_excess,
            min_days=min_days,
        )
    )


def history_start(emit_from: date) -> date:
    """How far back the inputs must go for the first emitted day to be judged like any other."""
    return emit_from - timedelta(days=2 * BASELINE_NIGHTS + 7)
