"""Day granularity: a local day's total against the mean of the previous 7 calendar days' totals."""

from __future__ import annotations

from datetime import UTC, date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.core import (
    RULE_DAILY,
    AnomalyInputError,
    anomaly_frame,
    check_emit_window,
    check_params,
    day_number,
    day_of,
    empty_anomalies,
    require_columns,
)

DAILY_INPUT_COLUMNS = ("building_code", "meter_pk", "metric", "day", "total_kwh", "complete")


def _as_zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _day_numbers(days: pd.Series) -> np.ndarray:
    """Local days as days since 1970-01-01; `date` values (what the database returns) skip pandas' parsing."""
    values = days.to_numpy()
    if values.dtype == object and all(type(d) is date for d in values):
        return np.array([day_number(d) for d in values], dtype="int64")
    stamps = pd.to_datetime(days).dt.normalize().to_numpy()
    return stamps.astype("datetime64[D]").astype("int64")


def detect_daily_anomalies(
    daily: pd.DataFrame,
    *,
    tz: ZoneInfo | str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = 120.0,
    min_baseline_days: int = 5,
    min_history_days: int = 7,
    min_excess_kwh: float = 0.0,
) -> pd.DataFrame:
    """Flag days whose total exceeds `threshold_percent` % of the previous 7 calendar days' mean.

    Rules, chosen so a gap can never create or hide an anomaly:
    - baseline of day D = mean of the valid totals on D-7 .. D-1 (calendar days, not rows: a missing day
      shrinks the sample, it never pulls in D-8). A day is valid when `complete` is true and `total_kwh` is
      a number; missing or incomplete days are excluded, never counted as zero.
    - at least `min_baseline_days` (default 5) of those 7 days must be valid, and the meter must have at least
      `min_history_days` (default 7) valid days before D: too little history gives no anomaly, not a false one.
    - D itself must be valid; an incomplete day is never judged (a half-loaded day is not a low day either).
    - flagged when value > avg × threshold/100 and value − avg ≥ `min_excess_kwh`; avg must be > 0.
    - only days in the half-open window [emit_from, emit_to) are emitted; pass earlier history so the first
      emitted days have a baseline. `ts` is the local midnight starting the day, as a UTC instant.
    """
    require_columns(daily, DAILY_INPUT_COLUMNS, "daily")
    check_params(threshold_percent, min_baseline_days, min_history_days)
    check_emit_window(emit_from, emit_to)
    zone = _as_zone(tz)
    if daily.empty:
        return empty_anomalies()

    meter = daily["meter_pk"].astype("int64").to_numpy()
    metric = daily["metric"].astype(str).to_numpy(dtype=object)
    day = _day_numbers(daily["day"])
    total = pd.to_numeric(daily["total_kwh"], errors="coerce").astype("float64").to_numpy()
    complete = daily["complete"].fillna(False).astype(bool).to_numpy()
    names, metric_code = np.unique(metric, return_inverse=True)
    order = np.lexsort((day, metric_code, meter))
    repeated = (np.diff(meter[order]) == 0) & (np.diff(metric_code[order]) == 0) & (np.diff(day[order]) == 0)
    if repeated.any():
        first = int(order[1:][repeated].min())  # the first row, in input order, that repeats an earlier one
        raise AnomalyInputError(
            f"daily has duplicate rows for meter_pk={meter[first]} metric={metric[first]} day={day_of(day[first])}"
        )
    negative = np.flatnonzero(total < 0)
    if len(negative):
        bad = int(negative[0])
        raise AnomalyInputError(f"total_kwh must be >= 0, got {float(total[bad])} on {day_of(day[bad])}")

    # Wide matrix day × (meter, metric) on a gap-free calendar: row shifts are then day shifts.
    # Columns in order of first appearance (as pandas' pivot has them): it orders a meter's anomalies of one day.
    keys, first_building, series = np.unique(meter * len(names) + metric_code, return_index=True, return_inverse=True)
    appearance = np.argsort(first_building, kind="stable")
    series_keys, first_building = keys[appearance], first_building[appearance]
    series = np.argsort(appearance)[series]
    building = daily["building_code"].astype(str).to_numpy(dtype=object)[first_building]
    first_day = int(day.min())
    wide = np.full((int(day.max()) - first_day + 1, len(series_keys)), np.nan)
    wide[day - first_day, series] = np.where(complete, total, np.nan)
    previous = np.vstack([np.full((1, wide.shape[1]), np.nan), wide[:-1]])
    # pandas' own rolling kernel, so the averages are bit-for-bit what they always were.
    baseline = pd.DataFrame(previous).rolling(7, min_periods=min_baseline_days).mean().to_numpy()
    history = np.vstack([np.zeros((1, wide.shape[1])), np.cumsum(~np.isnan(wide), axis=0)[:-1]])

    rows = slice(max(day_number(emit_from) - first_day, 0), max(day_number(emit_to) - first_day, 0))
    value, avg, hist = wide[rows], baseline[rows], history[rows]
    if value.size == 0:
        return empty_anomalies()
    ratio_limit = float(threshold_percent) / 100.0
    with np.errstate(invalid="ignore"):
        flagged = (
            ~np.isnan(value)
            & ~np.isnan(avg)
            & (avg > 0)
            & (hist >= min_history_days)
            & (value > avg * ratio_limit)
            & ((value - avg) >= float(min_excess_kwh))
        )
    hit_rows, hit_series = np.nonzero(flagged)  # day by day, series in (meter, metric) order, like a stack()
    if len(hit_rows) == 0:
        return empty_anomalies()
    hit_days = hit_rows + rows.start + first_day
    midnights = pd.DatetimeIndex((hit_days * 86400).astype("datetime64[s]"))
    midnight_utc = midnights.tz_localize(zone, ambiguous="raise", nonexistent="raise").tz_convert(UTC)
    return anomaly_frame(
        building_code=list(building[hit_series]),
        meter_pk=series_keys[hit_series] // len(names),
        metric=list(names[series_keys[hit_series] % len(names)]),
        granularity="day",
        rule=RULE_DAILY,
        ts_us=midnight_utc.as_unit("us").asi8,
        local_day=[day_of(d) for d in hit_days.tolist()],
        value=value[flagged],
        avg=avg[flagged],
    )
