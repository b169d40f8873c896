"""Interval granularity: an interval's kWh against the same local time of day over the previous 7 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.core import (
    RULE_INTERVAL,
    AnomalyInputError,
    check_emit_window,
    check_params,
    empty_anomalies,
    finish_frame,
    require_columns,
)

READING_INPUT_COLUMNS = ("building_code", "meter_pk", "metric", "ts", "interval_s", "kwh")


def _utc_ts(series: pd.Series) -> pd.Series:
    """Interval starts must be aware: a naive value would silently be read as the wrong hour."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        utc: pd.Series = series.dt.tz_convert("UTC")
        return utc
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise AnomalyInputError("readings.ts must be timezone-aware UTC interval starts, got naive datetimes")
    first = series.dropna().iloc[0] if series.notna().any() else None
    if first is not None and getattr(first, "tzinfo", None) is None:
        raise AnomalyInputError(f"readings.ts must be timezone-aware, got naive value {first!r}")
    return pd.to_datetime(series, utc=True)


def _prepare(readings: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """Attach the local day and the wall-clock second of day (the slot) to each reading."""
    readings = readings.reset_index(drop=True)
    ts = _utc_ts(readings["ts"]).dt.as_unit("us")
    wall = ts.dt.tz_convert(zone).dt.tz_localize(None)
    day = wall.dt.floor("D")
    frame = pd.DataFrame(
        {
            "building_code": readings["building_code"].astype(str),
            "meter_pk": readings["meter_pk"].astype("int64"),
            "metric": readings["metric"].astype(str),
            "ts": ts,
            "interval_s": readings["interval_s"].astype("int64"),
            "kwh": pd.to_numeric(readings["kwh"], errors="coerce").astype("float64"),
            "day": day,
            "sod": (wall - day).dt.total_seconds().astype("int64"),
        }
    )
    frame = frame.sort_values(["meter_pk", "metric", "ts"], kind="stable").reset_index(drop=True)
    if frame.duplicated(["meter_pk", "metric", "ts"]).any():
        bad = frame.loc[frame.duplicated(["meter_pk", "metric", "ts"])].iloc[0]
        raise AnomalyInputError(
            f"readings has duplicate rows for meter_pk={bad['meter_pk']} metric={bad['metric']} ts={bad['ts']}"
        )
    # On the fall-back day two rows share a (day, sod) label; they stay two rows (distinct UTC ts), each judged
    # on its own, and only the baseline pivot averages them (see _baseline).
    return frame


@dataclass(frozen=True)
class _Baseline:
    """Per day × slot statistics of the 7 previous calendar days (rows: days, columns: second of day)."""

    mean: pd.DataFrame
    std: pd.DataFrame
    nearby_max_mean: pd.DataFrame  # largest slot mean within ± shift tolerance
    level: pd.Series  # the meter's mean interval value over the same 7 days (all slots)
    history: pd.Series  # days with data before each day

    def at(self, days: pd.Series, sods: pd.Series) -> tuple[np.ndarray, ...]:
        rows = self.mean.index.get_indexer(pd.DatetimeIndex(days))
        cols = self.mean.columns.get_indexer(pd.Index(sods))
        return (
            self.mean.to_numpy()[rows, cols],
            np.nan_to_num(self.std.to_numpy()[rows, cols], nan=0.0),
            self.nearby_max_mean.to_numpy()[rows, cols],
            self.level.to_numpy()[rows],
            self.history.to_numpy()[rows],
        )


def _baseline(group: pd.DataFrame, interval_s: int, min_baseline_days: int, shift_tolerance_s: int) -> _Baseline:
    """Day × second-of-day matrix on a gap-free calendar and slot grid, then 7-day rolling statistics."""
    # One value per day and slot: the repeated fall-back hour enters the baseline as the mean of its two
    # occurrences, so that day does not weigh twice. The spring-forward hour is simply absent (NaN), not zero.
    wide = group.pivot_table(index="day", columns="sod", values="kwh", aggfunc="mean")
    calendar = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    slots = sorted(set(range(0, 86400, interval_s)) | set(wide.columns))
    wide = wide.reindex(index=calendar, columns=slots)
    previous = wide.shift(1)
    window = previous.rolling(7, min_periods=min_baseline_days)
    mean = window.mean()
    nearby = mean.copy()
    for step in range(1, max(0, shift_tolerance_s) // interval_s + 1):
        # numpy's stubs type a ufunc on DataFrames as ndarray; pandas returns a DataFrame.
        nearby = cast(pd.DataFrame, np.fmax(nearby, np.fmax(mean.shift(step, axis=1), mean.shift(-step, axis=1))))
    level = previous.mean(axis=1).rolling(7, min_periods=min_baseline_days).mean()
    history = wide.notna().any(axis=1).cumsum().shift(1, fill_value=0)
    return _Baseline(mean, window.std(ddof=1), nearby, level, history)


def detect_interval_anomalies(
    readings: pd.DataFrame,
    *,
    tz: ZoneInfo | str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = 120.0,
    min_baseline_days: int = 5,
    min_history_days: int = 7,
    min_excess_kwh: float = 0.05,
    min_excess_of_mean: float = 0.3,
    min_sigmas: float = 4.0,
    shift_tolerance_s: int = 3600,
    day_anomalies: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flag intervals above `threshold_percent` % of the same local time of day over the previous 7 days.

    Rules:
    - series are compared per meter × metric × interval_s (a 10-minute value is never judged against
      30-minute ones). The slot is the local wall-clock time of day; avg_7d = mean of that slot on the 7
      previous calendar days, at least `min_baseline_days` (default 5) present; the meter needs
      `min_history_days` (default 7) days with data before the judged day. Missing slots are excluded, never 0.
    - DST: on the fall-back day both occurrences of 02:00–02:59 are judged separately against the normal
      02:xx baseline, and contribute their mean to later baselines; on the spring-forward day 02:xx does not
      exist and later days' 02:xx baselines just have one sample fewer.
    - flagged when kwh > avg_7d × threshold/100 (the seed's rule) and the excess is real, not noise:
      * excess ≥ `min_excess_kwh` (0.05 kWh per interval): tiny night values do not flag;
      * excess ≥ `min_excess_of_mean` × the meter's mean interval over the 7 days (0.3): a near-zero slot
        (e.g. net consumption under solar panels) cannot flag on a few hundred watts;
      * excess ≥ `min_sigmas` × the slot's standard deviation over the 7 days (4): a slot that varies a lot
        needs a bigger jump;
      * kwh > threshold × every slot mean within ± `shift_tolerance_s` (1 h): the same energy an hour
        earlier or later (routine shifted, sunset drifting, the clock change for solar meters) is not an
        over-consumption.
      benchmarks/anomaly_quality.py measures these guards on the sandbox's 36 months: without them interval
      precision is 0.05 (natural variation crosses +20 % on single half-hours), with them it meets 0.8.
    - intervals on a local day present in `day_anomalies` (same meter_pk, metric, local_day) are suppressed:
      the day anomaly already reports them.
    - only intervals whose local day is in [emit_from, emit_to) are emitted; `ts` is the interval start (UTC).
    """
    require_columns(readings, READING_INPUT_COLUMNS, "readings")
    check_params(threshold_percent, min_baseline_days, min_history_days)
    check_emit_window(emit_from, emit_to)
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    if readings.empty:
        return empty_anomalies()
    if (pd.to_numeric(readings["interval_s"], errors="coerce").fillna(0) <= 0).any():
        raise AnomalyInputError("readings.interval_s must be > 0 for every row")

    frame = _prepare(readings, zone)
    start, end = pd.Timestamp(emit_from), pd.Timestamp(emit_to)
    ratio_limit = float(threshold_percent) / 100.0
    pieces: list[pd.DataFrame] = []
    for _key, group in frame.groupby(["meter_pk", "metric", "interval_s"], sort=True):
        interval_s = int(group["interval_s"].iloc[0])  # part of the group key: the same on every row
        judged = group[(group["day"] >= start) & (group["day"] < end) & group["kwh"].notna()]
        if judged.empty:
            continue
        base = _baseline(group[group["day"] < end], interval_s, min_baseline_days, shift_tolerance_s)
        avg, std, nearby, level, hist = base.at(judged["day"], judged["sod"])
        kwh = judged["kwh"].to_numpy()
        excess = kwh - avg
        with np.errstate(invalid="ignore"):
            hit = (
                ~np.isnan(avg)
                & (avg > 0)
                & (hist >= min_history_days)
                & (kwh > avg * ratio_limit)
                & (excess >= float(min_excess_kwh))
                & (excess >= float(min_excess_of_mean) * np.nan_to_num(level, nan=0.0))
                & (excess >= float(min_sigmas) * std)
                & (kwh > np.nan_to_num(nearby, nan=0.0) * ratio_limit)
            )
        if hit.any():
            pieces.append(judged.loc[hit].assign(avg=avg[hit]))
    if not pieces:
        return empty_anomalies()
    hits = pd.concat(pieces, ignore_index=True)
    hits["local_day"] = [d.date() for d in hits["day"]]
    if day_anomalies is not None and not day_anomalies.empty:
        suppressed = set(
            zip(
                day_anomalies["meter_pk"].astype("int64"),
                day_anomalies["metric"].astype(str),
                pd.to_datetime(day_anomalies["local_day"]).dt.date,
                strict=True,
            )
        )
        keep = [
            (m, k, d) not in suppressed
            for m, k, d in zip(hits["meter_pk"], hits["metric"], hits["local_day"], strict=True)
        ]
        hits = hits.loc[keep].reset_index(drop=True)
        if hits.empty:
            return empty_anomalies()
    return finish_frame(
        building_code=hits["building_code"],
        meter_pk=hits["meter_pk"],
        metric=hits["metric"],
        granularity="interval",
        rule=RULE_INTERVAL,
        ts=hits["ts"],
        local_day=hits["local_day"],
        value=hits["kwh"],
        avg=hits["avg"],
    )
