"""Shared pieces of the anomaly detectors: output shape, stable ids, severity bands, French messages.

Both detectors compare a value with a 7-day moving average (issue 5, seed 000). The seed computes it with
`AVG(value) OVER (ORDER BY timestamp ROWS BETWEEN 7 PRECEDING AND CURRENT ROW)` over raw readings: on half-hour
data that window is 8 rows = 4 hours (and it includes the value being judged), not 7 days. We never use row
windows: the baseline is built on calendar days, so gaps and DST days cannot shift it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Final

import numpy as np
import pandas as pd

RULE_DAILY: Final = "daily_vs_ma7"
RULE_INTERVAL: Final = "interval_vs_same_time_ma7"

# Exactly the columns of table consumption_anomalies, in its order.
ANOMALY_COLUMNS: Final = (
    "anomaly_id",
    "building_code",
    "meter_pk",
    "metric",
    "granularity",
    "rule",
    "ts",
    "local_day",
    "value_kwh",
    "avg_7d",
    "variance_percent",
    "severity",
    "message",
)

_METRIC_LABEL: Final = {"consumption": "Consommation", "production": "Production"}
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_UNIX_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class AnomalyInputError(ValueError):
    """Input to a detector is malformed (missing column, bad parameter, naive timestamps)."""


def anomaly_id(meter_pk: int, granularity: str, rule: str, ts: datetime) -> str:
    """md5 hex of "meter_pk|granularity|rule|ts-iso": the natural key, so reruns produce the same id."""
    if ts.tzinfo is None:
        raise AnomalyInputError(f"ts must be timezone-aware, got naive {ts.isoformat()}")
    key = f"{int(meter_pk)}|{granularity}|{rule}|{ts.astimezone(UTC).isoformat()}"
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


def severity_for_ratio(ratio: float) -> str:
    """Seed bands on value/avg: Minor below 150 %, Major 150–200 % (200 included), Critical above 200 %."""
    if ratio > 2.0:
        return "Critical"
    if ratio >= 1.5:
        return "Major"
    return "Minor"


def french_message(metric: str, variance_percent: float) -> str:
    """The seed's wording: "Consommation 40% supérieure à la moyenne mobile 7 jours"."""
    label = _METRIC_LABEL.get(metric, "Consommation")
    return f"{label} {round(variance_percent):d}% supérieure à la moyenne mobile 7 jours"


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Fail early with the missing column names rather than a KeyError deep in pandas."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnomalyInputError(f"{what} is missing column(s) {missing}")


def check_params(threshold_percent: float, min_baseline_days: int, min_history_days: int) -> None:
    """Parameters outside these ranges would silently produce nonsense (e.g. every day flagged)."""
    if not 100 < float(threshold_percent) <= 10000:
        raise AnomalyInputError(f"threshold_percent must be in (100, 10000], got {threshold_percent!r}")
    if not 1 <= int(min_baseline_days) <= 7:
        raise AnomalyInputError(f"min_baseline_days must be in [1, 7], got {min_baseline_days!r}")
    if int(min_history_days) < 1:
        raise AnomalyInputError(f"min_history_days must be >= 1, got {min_history_days!r}")


def check_emit_window(emit_from: date, emit_to: date) -> None:
    """The emission window is half-open [emit_from, emit_to) like every day range in the project."""
    if emit_to <= emit_from:
        raise AnomalyInputError(f"emit_to must be after emit_from, got {emit_from} .. {emit_to}")


def empty_anomalies() -> pd.DataFrame:
    """An empty result with the table's dtypes, so callers can concat/COPY without special cases."""
    return _EMPTY.copy()


def _empty_frame() -> pd.DataFrame:
    # Built once: thirteen typed empty Series cost more than a whole month's detection on numpy.
    return pd.DataFrame(
        {
            "anomaly_id": pd.Series(dtype="str"),
            "building_code": pd.Series(dtype="str"),
            "meter_pk": pd.Series(dtype="int64"),
            "metric": pd.Series(dtype="str"),
            "granularity": pd.Series(dtype="str"),
            "rule": pd.Series(dtype="str"),
            "ts": pd.Series(dtype="datetime64[us, UTC]"),
            "local_day": pd.Series(dtype="object"),
            "value_kwh": pd.Series(dtype="float64"),
            "avg_7d": pd.Series(dtype="float64"),
            "variance_percent": pd.Series(dtype="float64"),
            "severity": pd.Series(dtype="str"),
            "message": pd.Series(dtype="str"),
        }
    )[list(ANOMALY_COLUMNS)]


_EMPTY: Final = _empty_frame()


def day_number(day: date) -> int:
    """Days since 1970-01-01: the detectors index local days by these integers (numpy, not Timestamps)."""
    return day.toordinal() - _EPOCH_ORDINAL


def day_of(number: int) -> date:
    return date.fromordinal(int(number) + _EPOCH_ORDINAL)


def anomaly_frame(
    *,
    building_code: list[str],
    meter_pk: np.ndarray,
    metric: list[str],
    granularity: str,
    rule: str,
    ts_us: np.ndarray,
    local_day: list[date],
    value: np.ndarray,
    avg: np.ndarray,
) -> pd.DataFrame:
    """Assemble flagged rows into the table's shape, ordered by meter then instant (ties keep the input order).

    `ts_us` holds UTC interval starts as integer microseconds; ids and messages are computed for flagged rows only.
    """
    if len(value) == 0:
        return empty_anomalies()
    order = np.lexsort((ts_us, meter_pk))  # stable: rows of one meter and instant keep the order they came in
    meters = np.asarray(meter_pk, dtype="int64")[order]
    stamps = np.asarray(ts_us, dtype="int64")[order]
    value_arr = np.asarray(value, dtype="float64")[order]
    avg_arr = np.asarray(avg, dtype="float64")[order]
    metrics = [str(metric[i]) for i in order]
    ratio = value_arr / avg_arr
    variance = (ratio - 1.0) * 100.0
    instants = [_UNIX_EPOCH + timedelta(microseconds=int(t)) for t in stamps]
    out = pd.DataFrame(
        {
            "anomaly_id": [anomaly_id(m, granularity, rule, t) for m, t in zip(meters.tolist(), instants, strict=True)],
            "building_code": [str(building_code[i]) for i in order],
            "meter_pk": meters,
            "metric": metrics,
            "granularity": granularity,
            "rule": rule,
            "ts": pd.DatetimeIndex(stamps.astype("datetime64[us]")).tz_localize(UTC),
            "local_day": [local_day[i] for i in order],
            "value_kwh": value_arr,
            "avg_7d": avg_arr,
            "variance_percent": variance,
            "severity": [severity_for_ratio(r) for r in ratio.tolist()],
            "message": [french_message(m, v) for m, v in zip(metrics, variance.tolist(), strict=True)],
        }
    )
    return out[list(ANOMALY_COLUMNS)]
