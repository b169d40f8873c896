"""Day granularity: a local day's total against the mean of the previous 7 calendar days' totals."""

from __future__ import annotations

from datetime import UTC, date
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.core import (
    RULE_DAILY,
    AnomalyInputError,
    check_emit_window,
    check_params,
    empty_anomalies,
    finish_frame,
    require_columns,
)

DAILY_INPUT_COLUMNS = ("building_code", "meter_pk", "metric", "day", "total_kwh", "complete")


def _as_zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _stack_meters(wide: pd.DataFrame) -> pd.Series:
    """Day × (meter_pk, metric) matrix → one value per (day, meter_pk, metric)."""
    # Stacking every column level leaves a Series; the stubs type stack() as DataFrame | Series.
    return cast(pd.Series, wide.stack(level=[0, 1]))


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

    frame = pd.DataFrame(
        {
            "building_code": daily["building_code"].astype(str).to_numpy(),
            "meter_pk": daily["meter_pk"].astype("int64").to_numpy(),
            "metric": daily["metric"].astype(str).to_numpy(),
            "day": pd.to_datetime(daily["day"]).dt.normalize().to_numpy(),
            "total": pd.to_numeric(daily["total_kwh"], errors="coerce").astype("float64").to_numpy(),
            "complete": daily["complete"].fillna(False).astype(bool).to_numpy(),
        }
    )
    dupes = frame.duplicated(["meter_pk", "metric", "day"])
    if dupes.any():
        first = frame.loc[dupes].iloc[0]
        raise AnomalyInputError(
            f"daily has duplicate rows for meter_pk={first['meter_pk']} metric={first['metric']} "
            f"day={first['day'].date()}"
        )
    negative = frame["total"] < 0
    if negative.any():
        bad = frame.loc[negative].iloc[0]
        raise AnomalyInputError(f"total_kwh must be >= 0, got {bad['total']} on {bad['day'].date()}")

    frame["value"] = frame["total"].where(frame["complete"])
    buildings = frame.drop_duplicates(["meter_pk", "metric"]).set_index(["meter_pk", "metric"])["building_code"]

    # Wide matrix day × (meter, metric) on a gap-free calendar: row shifts are then day shifts.
    wide = frame.pivot(index="day", columns=["meter_pk", "metric"], values="value")
    calendar = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    wide = wide.reindex(calendar)
    previous = wide.shift(1)
    baseline = previous.rolling(7, min_periods=min_baseline_days).mean()
    history = wide.notna().cumsum().shift(1, fill_value=0)

    start, end = pd.Timestamp(emit_from), pd.Timestamp(emit_to)
    in_window = (calendar >= start) & (calendar < end)
    if not in_window.any():
        return empty_anomalies()
    value = wide.loc[in_window]
    avg = baseline.loc[in_window]
    hist = history.loc[in_window]
    ratio_limit = float(threshold_percent) / 100.0
    with np.errstate(invalid="ignore"):
        flagged = (
            value.notna()
            & avg.notna()
            & (avg > 0)
            & (hist >= min_history_days)
            & (value > avg * ratio_limit)
            & ((value - avg) >= float(min_excess_kwh))
        )
    if not flagged.to_numpy().any():
        return empty_anomalies()

    hits = _stack_meters(flagged)
    hits = hits[hits]
    days = hits.index.get_level_values(0)
    meter_pk = pd.Series(hits.index.get_level_values(1), dtype="int64")
    metric = pd.Series(hits.index.get_level_values(2).astype(str))
    lookup = list(zip(meter_pk, metric, strict=True))
    stacked_value = _stack_meters(value).reindex(hits.index)
    stacked_avg = _stack_meters(avg).reindex(hits.index)
    midnight_utc = pd.DatetimeIndex(days).tz_localize(zone, ambiguous="raise", nonexistent="raise").tz_convert(UTC)
    return finish_frame(
        building_code=pd.Series([buildings.loc[key] for key in lookup]),
        meter_pk=meter_pk,
        metric=metric,
        granularity="day",
        rule=RULE_DAILY,
        ts=pd.Series(midnight_utc),
        local_day=pd.Series([d.date() for d in days]),
        value=stacked_value,
        avg=stacked_avg,
    )
