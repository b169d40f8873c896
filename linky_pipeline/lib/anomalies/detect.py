"""Consumption anomaly detection (issue 5): pure numpy and pandas, no database, no Dagster.

Two detectors share one output shape (the columns of table consumption_anomalies):
- `detect_daily_anomalies`: a local day's total vs the mean of the previous 7 calendar days' totals;
- `detect_interval_anomalies`: an interval vs the same local time of day over the previous 7 days.
`detect_anomalies` runs both and rolls interval anomalies of a flagged day into the day anomaly.
The seed's SQL (`ROWS BETWEEN 7 PRECEDING AND CURRENT ROW` over half-hours) averages 4 hours including the
judged value itself; that is why the baseline here is built on calendar days instead of rows.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.anomalies.core import (
    ANOMALY_COLUMNS,
    RULE_DAILY,
    RULE_INTERVAL,
    AnomalyInputError,
    anomaly_id,
    empty_anomalies,
    french_message,
    severity_for_ratio,
)
from linky_pipeline.lib.anomalies.daily import DAILY_INPUT_COLUMNS, detect_daily_anomalies
from linky_pipeline.lib.anomalies.interval import READING_INPUT_COLUMNS, detect_interval_anomalies

__all__ = [
    "ANOMALY_COLUMNS",
    "DAILY_INPUT_COLUMNS",
    "READING_INPUT_COLUMNS",
    "RULE_DAILY",
    "RULE_INTERVAL",
    "AnomalyInputError",
    "anomaly_id",
    "detect_anomalies",
    "detect_daily_anomalies",
    "detect_interval_anomalies",
    "empty_anomalies",
    "french_message",
    "severity_for_ratio",
]


def detect_anomalies(
    daily: pd.DataFrame,
    readings: pd.DataFrame,
    *,
    tz: ZoneInfo | str,
    emit_from: date,
    emit_to: date,
    threshold_percent: float = 120.0,
    min_baseline_days: int = 5,
    min_history_days: int = 7,
    min_excess_kwh_interval: float = 0.05,
) -> pd.DataFrame:
    """Both detectors over [emit_from, emit_to); intervals of a day already flagged as a whole are dropped.

    One call per building (one time zone). Inputs must include history before `emit_from` (at least 7 days,
    ideally 14) so the first emitted days have a baseline.
    """
    days = detect_daily_anomalies(
        daily,
        tz=tz,
        emit_from=emit_from,
        emit_to=emit_to,
        threshold_percent=threshold_percent,
        min_baseline_days=min_baseline_days,
        min_history_days=min_history_days,
    )
    intervals = detect_interval_anomalies(
        readings,
        tz=tz,
        emit_from=emit_from,
        emit_to=emit_to,
        threshold_percent=threshold_percent,
        min_baseline_days=min_baseline_days,
        min_history_days=min_history_days,
        min_excess_kwh=min_excess_kwh_interval,
        day_anomalies=days,
    )
    parts = [p for p in (days, intervals) if not p.empty]
    if not parts:
        return empty_anomalies()
    if len(parts) == 1:
        return parts[0]  # already ordered by meter and instant, one granularity
    merged = pd.concat(parts, ignore_index=True)
    return merged.sort_values(["meter_pk", "ts", "granularity"], kind="stable").reset_index(drop=True)
