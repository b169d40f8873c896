"""Standby rises: the night's base load (the lowest interval power between 00:00 and 06:00 local) above the median
of the 28 previous nights × threshold; only the first night of a run of flagged nights is emitted, so one rise is
one alert, not one a night until the baseline catches up. numpy on one building's columns: a month is small, and
pandas' per-call overhead would cost more than the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.alerts import (
    DEFAULT_THRESHOLDS,
    RULE_STANDBY,
    AlertRow,
    alert_frame,
    alert_row,
    check_threshold,
    french,
)
from linky_pipeline.lib.anomalies.core import AnomalyInputError, day_of
from linky_pipeline.lib.domain.localtime import day_bounds_utc

NIGHT_HOURS: Final = (0, 6)  # [00:00, 06:00) local: the night's base load
BASELINE_NIGHTS: Final = 28
MIN_BASELINE_NIGHTS: Final = 14
MIN_NIGHT_COVERAGE: Final = 0.8
MIN_EXCESS_KW: Final = 0.1
_DAY_US: Final = 86_400_000_000
_HOUR_US: Final = 3_600_000_000


@dataclass(frozen=True)
class Nights:
    """One entry per meter and local night, ordered by meter then day (days since 1970-01-01)."""

    meter: np.ndarray
    day: np.ndarray
    standby_kw: np.ndarray
    valid: np.ndarray


def nights_of(meter: np.ndarray, ts_us: np.ndarray, interval_s: np.ndarray, kwh: np.ndarray, tz: ZoneInfo) -> Nights:
    """Base load and coverage per meter and night, from readings as columns (UTC starts in microseconds)."""
    wall = pd.DatetimeIndex(ts_us.astype("datetime64[us]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    wall_us = wall.as_unit("us").asi8
    day = wall_us // _DAY_US
    hour = (wall_us - day * _DAY_US) // _HOUR_US
    night = np.flatnonzero((hour >= NIGHT_HOURS[0]) & (hour < NIGHT_HOURS[1]))
    order = night[np.lexsort((day[night], meter[night]))]
    meter, day = meter[order], day[order]
    kw = kwh[order] * 3600 / interval_s[order].astype("float64")
    if len(order) == 0:
        empty = np.array([], dtype="int64")
        return Nights(empty, empty, np.array([], dtype="float64"), np.array([], dtype=bool))
    starts = np.concatenate([[0], np.flatnonzero((np.diff(meter) != 0) | (np.diff(day) != 0)) + 1])
    covered = np.add.reduceat(interval_s[order].astype("int64"), starts)
    lengths = {int(d): _night_seconds(day_of(d), tz) for d in np.unique(day[starts])}
    needed = np.array([lengths[int(d)] for d in day[starts]], dtype="float64")
    return Nights(meter[starts], day[starts], np.fmin.reduceat(kw, starts), covered >= MIN_NIGHT_COVERAGE * needed)


def _frame_nights(readings: pd.DataFrame, tz: ZoneInfo) -> Nights:
    ts = pd.to_datetime(readings["ts"], utc=True)
    if ts.dt.tz is None:
        raise AnomalyInputError("readings.ts must be timezone-aware UTC interval starts")
    return nights_of(
        readings["meter_pk"].astype("int64").to_numpy(),
        pd.DatetimeIndex(ts).as_unit("us").asi8,
        readings["interval_s"].astype("int64").to_numpy(),
        readings["kwh"].astype("float64").to_numpy(),
        tz,
    )


def night_base_load(readings: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """Per meter and local day D: the lowest interval power (kW) of [00:00, 06:00) on D, and whether the night is
    covered enough (≥ 80 % of its real length: 5, 6 or 7 hours) to be judged."""
    if readings.empty:
        return pd.DataFrame(columns=["meter_pk", "day", "standby_kw", "valid"])
    nights = _frame_nights(readings, tz)
    return pd.DataFrame(
        {
            "meter_pk": nights.meter,
            "day": [day_of(d) for d in nights.day.tolist()],
            "standby_kw": nights.standby_kw,
            "valid": nights.valid,
        }
    )


def _night_seconds(day: date, tz: ZoneInfo) -> int:
    start, _ = day_bounds_utc(day, tz)
    end = datetime.combine(day, time(NIGHT_HOURS[1]), tzinfo=tz)
    return int((end - start).total_seconds())


def standby_rows(
    nights: Nights,
    *,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = DEFAULT_THRESHOLDS[RULE_STANDBY],
    min_excess_kw: float = MIN_EXCESS_KW,
) -> list[AlertRow]:
    """First nights of standby rises among `nights` (see detect_standby_rises)."""
    check_threshold(threshold_percent, 100)
    rows: list[AlertRow] = []
    valid = np.flatnonzero(nights.valid)
    meters, days, loads = nights.meter[valid], nights.day[valid], nights.standby_kw[valid]
    for meter_pk in np.unique(meters).tolist():
        mine = meters == meter_pk
        offset = int(days[mine].min())
        series = np.full(int(days[mine].max()) - offset + 1, np.nan)
        series[days[mine] - offset] = loads[mine]
        shifted = np.concatenate([[np.nan], series[:-1]])
        # pandas' rolling median, so the baseline is exactly the one it always was.
        baseline = pd.Series(shifted).rolling(BASELINE_NIGHTS, min_periods=MIN_BASELINE_NIGHTS).median().to_numpy()
        limit = baseline * float(threshold_percent) / 100
        with np.errstate(invalid="ignore"):
            flagged = (series > limit) & (series - baseline >= min_excess_kw) & (baseline > 0)
        # Whether the last night with a value before each night was flagged (a night without data continues a run).
        last_known = np.maximum.accumulate(np.where(~np.isnan(series), np.arange(len(series)), -1))
        before = np.concatenate([[-1], last_known[:-1]])
        previous_flag = np.where(before >= 0, flagged[np.maximum(before, 0)], False)
        for index in np.flatnonzero(flagged & ~previous_flag).tolist():
            day = day_of(offset + index)
            if not emit_from <= day < emit_to:
                continue
            value, base = float(series[index]), float(baseline[index])
            message = (
                f"Consommation de veille (nuit du {day:%d/%m/%Y}) : {french(value)} kW, au-dessus de sa référence "
                f"sur {BASELINE_NIGHTS} nuits ({french(base)} kW)"
            )
            rows.append(
                alert_row(
                    building_code, int(meter_pk), RULE_STANDBY, day, day, value, base, "kW", threshold_percent, message
                )
            )
    return rows


def detect_standby_rises(
    readings: pd.DataFrame,
    *,
    tz: ZoneInfo,
    building_code: str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = DEFAULT_THRESHOLDS[RULE_STANDBY],
    min_excess_kw: float = MIN_EXCESS_KW,
) -> pd.DataFrame:
    """First nights of standby rises: base load > median of the 28 previous valid nights × threshold/100 and at
    least `min_excess_kw` above it (≥ 14 valid nights needed). Give readings from ~60 days before emit_from so the
    nights before the window have their own baseline (a rise that began last month is not reported again)."""
    check_threshold(threshold_percent, 100)
    if readings.empty:
        return alert_frame([])
    return alert_frame(
        standby_rows(
            _frame_nights(readings, tz),
            building_code=building_code,
            emit_from=emit_from,
            emit_to=emit_to,
            threshold_percent=threshold_percent,
            min_excess_kw=min_excess_kw,
        )
    )
