"""The one shape every source is normalised to before it reaches the warehouse."""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

# readings: one row per meter × metric × interval; ts = interval START in UTC.
READING_COLUMNS: Final = ("meter_id", "metric", "ts", "interval_s", "kwh", "quality", "source")

# What a source endpoint yields: interval energy (curve), official energy per local day, peak power per day.
EndpointKind = Literal["curve", "daily", "max_power"]

METRICS: Final = ("consumption", "production")


def empty_readings() -> pd.DataFrame:
    """An empty readings frame with the canonical dtypes."""
    return pd.DataFrame(
        {
            "meter_id": pd.Series(dtype="string"),
            "metric": pd.Series(dtype="string"),
            "ts": pd.Series(dtype="datetime64[us, UTC]"),
            "interval_s": pd.Series(dtype="int64"),
            "kwh": pd.Series(dtype="float64"),
            "quality": pd.Series(dtype="string"),
            "source": pd.Series(dtype="string"),
        }
    )


def empty_daily() -> pd.DataFrame:
    """An empty daily-energy frame with the canonical dtypes."""
    return pd.DataFrame(
        {
            "meter_id": pd.Series(dtype="string"),
            "metric": pd.Series(dtype="string"),
            "day": pd.Series(dtype="object"),
            "kwh": pd.Series(dtype="float64"),
            "quality": pd.Series(dtype="string"),
            "source": pd.Series(dtype="string"),
        }
    )


def empty_max_power() -> pd.DataFrame:
    """An empty max-power frame with the canonical dtypes."""
    return pd.DataFrame(
        {
            "meter_id": pd.Series(dtype="string"),
            "day": pd.Series(dtype="object"),
            "max_power_va": pd.Series(dtype="float64"),
            "peak_at": pd.Series(dtype="datetime64[us, UTC]"),
            "source": pd.Series(dtype="string"),
        }
    )
