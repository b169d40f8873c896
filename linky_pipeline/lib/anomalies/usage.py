"""Usage alerts beyond the 7-day rule (issue 15): pure pandas, one output shape (the columns of usage_alerts).

- `detect_power_overruns`: a day's maximum apparent power above the meter's subscribed kVA × threshold.
- `detect_standby_rises`: the night's base load (the lowest interval power between 00:00 and 06:00 local) above
  the median of the 28 previous nights × threshold; only the first night of a run of flagged nights is emitted,
  so one rise is one alert, not one a night until the baseline catches up.
- `detect_week_over_week`: a local week (Monday–Sunday, at least 5 valid days, scaled to 7) above the previous
  such week × threshold, for energy (kWh) or cost (€).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.anomalies.core import AnomalyInputError, severity_for_ratio
from linky_pipeline.lib.domain.localtime import day_bounds_utc

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
NIGHT_HOURS: Final = (0, 6)  # [00:00, 06:00) local: the night's base load
BASELINE_NIGHTS: Final = 28
MIN_BASELINE_NIGHTS: Final = 14
MIN_NIGHT_COVERAGE: Final = 0.8


def alert_id(meter_pk: int, rule: str, period_start: date) -> str:
    key = f"{int(meter_pk)}|{rule}|{period_start.isoformat()}"
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


def empty_alerts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS})


def french(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_alerts()
    return pd.DataFrame(rows)[list(ALERT_COLUMNS)].sort_values(["meter_pk", "local_day", "rule"], ignore_index=True)


def _row(
    building: str, meter_pk: int, rule: str, start: date, day: date, value: float, baseline: float, unit: str,
    threshold: float, message: str,
) -> dict[str, object]:  # fmt: skip
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


def _check_threshold(threshold: float, floor: float) -> None:
    if not floor < float(threshold) <= 10000:
        raise AnomalyInputError(f"threshold_percent must be in ({floor:g}, 10000], got {threshold!r}")


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
    _check_threshold(threshold_percent, 50)
    rows = []
    for meter_pk, day, va in max_power[["meter_pk", "day", "max_power_va"]].itertuples(index=False):
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
                _row(building_code, meter_pk, RULE_POWER, day, day, peak, kva, "kVA", threshold_percent, message)
            )
    return _frame(rows)


def night_base_load(readings: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """Per meter and local day D: the lowest interval power (kW) of [00:00, 06:00) on D, and whether the night is
    covered enough (≥ 80 % of its real length: 5, 6 or 7 hours) to be judged."""
    if readings.empty:
        return pd.DataFrame(columns=["meter_pk", "day", "standby_kw", "valid"])
    ts = pd.to_datetime(readings["ts"], utc=True)
    if ts.dt.tz is None:
        raise AnomalyInputError("readings.ts must be timezone-aware UTC interval starts")
    wall = ts.dt.tz_convert(tz)
    night = (wall.dt.hour >= NIGHT_HOURS[0]) & (wall.dt.hour < NIGHT_HOURS[1])
    frame = pd.DataFrame(
        {
            "meter_pk": readings["meter_pk"].astype("int64"),
            "day": wall.dt.date,
            "kw": readings["kwh"].astype("float64") * 3600 / readings["interval_s"].astype("float64"),
            "seconds": readings["interval_s"].astype("int64"),
        }
    )[night.to_numpy()]
    grouped = frame.groupby(["meter_pk", "day"])
    out = pd.DataFrame({"standby_kw": grouped["kw"].min(), "covered": grouped["seconds"].sum()}).reset_index()
    lengths = {d: _night_seconds(d, tz) for d in out["day"].unique()}
    out["valid"] = out["covered"] >= MIN_NIGHT_COVERAGE * out["day"].map(lengths)
    return out[["meter_pk", "day", "standby_kw", "valid"]]


def _night_seconds(day: date, tz: ZoneInfo) -> int:
    start, _ = day_bounds_utc(day, tz)
    end = datetime.combine(day, time(NIGHT_HOURS[1]), tzinfo=tz)
    return int((end - start).total_seconds())


def detect_standby_rises(
    readings: pd.DataFrame,
    *,
    tz: ZoneInfo,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = DEFAULT_THRESHOLDS[RULE_STANDBY],
    min_excess_kw: float = 0.1,
) -> pd.DataFrame:
    """First nights of standby rises: base load > median of the 28 previous valid nights × threshold/100 and at
    least `min_excess_kw` above it (≥ 14 valid nights needed). Give readings from ~60 days before emit_from so the
    nights before the window have their own baseline (a rise that began last month is not reported again)."""
    _check_threshold(threshold_percent, 100)
    nights = night_base_load(readings, tz)
    rows: list[dict[str, object]] = []
    if nights.empty:
        return empty_alerts()
    for meter_key, group in nights.loc[nights["valid"].astype(bool)].groupby("meter_pk"):
        meter_pk = int(str(meter_key))
        series = group.set_index(pd.to_datetime(group["day"]))["standby_kw"].sort_index()
        calendar = pd.date_range(series.index.min(), series.index.max(), freq="D")
        series = series.reindex(calendar)
        baseline = series.shift(1).rolling(BASELINE_NIGHTS, min_periods=MIN_BASELINE_NIGHTS).median()
        limit = baseline * float(threshold_percent) / 100
        flagged = (series > limit) & (series - baseline >= min_excess_kw) & (baseline > 0)
        previous_flag = flagged.where(series.notna()).ffill().shift(1).fillna(False).astype(bool)
        starts = flagged & ~previous_flag
        for stamp in series.index[starts.to_numpy()]:
            day = stamp.date()
            if not emit_from <= day < emit_to:
                continue
            value, base = float(series[stamp]), float(baseline[stamp])
            message = (
                f"Consommation de veille (nuit du {day:%d/%m/%Y}) : {french(value)} kW, au-dessus de sa référence "
                f"sur {BASELINE_NIGHTS} nuits ({french(base)} kW)"
            )
            rows.append(
                _row(
                    building_code, int(meter_pk), RULE_STANDBY, day, day, value, base, "kW", threshold_percent, message
                )
            )
    return _frame(rows)


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
    if not 1 <= min_days <= 7:
        raise AnomalyInputError(f"min_days must be in [1, 7], got {min_days!r}")
    if rule not in (RULE_WOW_ENERGY, RULE_WOW_COST):
        raise AnomalyInputError(f"rule must be {RULE_WOW_ENERGY} or {RULE_WOW_COST}, got {rule!r}")
    threshold = float(threshold_percent if threshold_percent is not None else DEFAULT_THRESHOLDS[rule])
    _check_threshold(threshold, 100)
    unit, what = ("kWh", "Consommation") if rule == RULE_WOW_ENERGY else ("EUR", "Coût")
    excess = float(min_excess if min_excess is not None else (5.0 if unit == "kWh" else 1.0))
    rows: list[dict[str, object]] = []
    sums: dict[tuple[int, date], list[float]] = {}
    for meter_pk, day, value, valid in daily[["meter_pk", "day", "value", "valid"]].itertuples(index=False):
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
            rows.append(_row(building_code, meter_pk, rule, first, sunday, total, previous, unit, threshold, message))
    return _frame(rows)


def history_start(emit_from: date) -> date:
    """How far back the inputs must go for the first emitted day to be judged like any other."""
    return emit_from - timedelta(days=2 * BASELINE_NIGHTS + 7)
