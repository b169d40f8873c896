"""The one shape every source is normalised to before it reaches the warehouse."""

from __future__ import annotations

from typing import Final

import pandas as pd

# readings: one row per meter × metric × interval; ts = interval START in UTC.
READING_COLUMNS: Final = ("meter_id", "metric", "ts", "interval_s", "kwh", "quality", "source")

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
