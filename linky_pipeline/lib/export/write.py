"""Writing an export: CSV a French spreadsheet opens as is, Parquet with real time zones, XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import pandas as pd

from linky_pipeline.lib.export.frames import ExportError

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "parquet", "xlsx")
_TEXT_TIME: Final = "%Y-%m-%d %H:%M:%S"


def _time_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]


def write_export(frame: pd.DataFrame, path: Path, fmt: str, *, decimal_comma: bool = False) -> Path:
    """CSV: `;` separated, UTF-8 with BOM (Excel then reads accents right), CRLF, optional decimal comma, local
    times as wall-clock text with a separate UTC offset column. XLSX: local times as naive wall-clock dates
    (Excel has no time zones). Parquet: timestamps keep their zone (local) or UTC."""
    if fmt not in FORMATS:
        raise ExportError("format", fmt, f"expected one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    if fmt == "parquet":
        out.to_parquet(path, index=False)
        return path
    for column in _time_columns(out):
        wall = out[column].dt.tz_localize(None)
        out[column] = wall.dt.strftime(_TEXT_TIME) if fmt == "csv" else wall
    if fmt == "csv":
        out.to_csv(
            path,
            sep=";",
            decimal="," if decimal_comma else ".",
            index=False,
            encoding="utf-8-sig",
            lineterminator="\r\n",
            float_format="%.6f",
        )
    else:
        out.to_excel(path, index=False, sheet_name="export", engine="openpyxl")
    return path
