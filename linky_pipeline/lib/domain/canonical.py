"""The one shape every source is normalised to before it reaches the warehouse."""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

# readings: one row per meter × metric × interval; ts = interval START in UTC.
READING_COLUMNS: Final = ("meter_id", "metric", "ts", "interval_s", "kwh", "quality", "source")
# What a provider says about each point, carried by every source frame (NA when the provider gives nothing) so the
# warehouse can store and trace it. Enedis 2026 v2: `quality` holds etapeMetier (BRUT raw, BEST corrected, FACT
# billed), calc_mode = modeCalcul (MESURE, DIFF.INDEX, INTEG.COURBE), and per point nature = n (B, C, R, D, S…),
# plausibility = iv, complementary_state = ec; v5 gives a nature (measure_type) on curve points only.
POINT_METADATA: Final = ("calc_mode", "nature", "plausibility", "complementary_state")

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
            **_no_metadata(),
        }
    )


def _no_metadata(n: int = 0) -> dict[str, pd.Series]:
    return {name: pd.Series([pd.NA] * n, dtype="string") for name in POINT_METADATA}


def with_point_metadata(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the POINT_METADATA columns its source does not provide, as NA (same shape for every source)."""
    missing = {k: v for k, v in _no_metadata(len(frame)).items() if k not in frame.columns}
    return frame.assign(**{k: v.set_axis(frame.index) for k, v in missing.items()}) if missing else frame


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
            **_no_metadata(),
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
            "quality": pd.Series(dtype="string"),
            **_no_metadata(),
        }
    )
