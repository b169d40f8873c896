"""Fluvius customer-portal quarter-hour CSV -> canonical readings (lib/canonical.py). All-or-nothing.

The export writes Europe/Brussels wall-clock labels without an offset, so the 02:00-02:59 hour of the fall-back
day appears twice per register: the first occurrence is summer time (CEST), the second winter time (CET). The end
label is resolved to whichever offset makes the interval last exactly 15 real minutes (02:45 CEST ends at
"02:00", i.e. 02:00 CET). A label inside the spring-forward gap cannot exist and refuses the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pandas as pd

from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain.canonical import empty_readings, with_point_metadata
from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.sources.belgium import csv_columns as cols
from linky_pipeline.lib.sources.belgium.errors import BelgianCsvError, BelgianImportError

T = TypeVar("T")
SOURCE = "be-csv"
QUARTER = timedelta(minutes=15)
# when Day and Night rows of one interval disagree, the least trustworthy status describes the sum
_QUALITY_RANK = {"validated": 0, "read": 1, "estimated": 2}


@dataclass
class _Interval:
    kwh: float
    quality: str


def utc_candidates(label: datetime) -> list[datetime]:
    """UTC instants a naive Brussels label can mean: none (spring gap), one, or two (fall-back, summer first)."""
    found: list[datetime] = []
    for fold in (0, 1):
        instant = label.replace(tzinfo=BRUSSELS, fold=fold).astimezone(UTC)
        if instant.astimezone(BRUSSELS).replace(tzinfo=None) == label and instant not in found:
            found.append(instant)
    return sorted(found)


class _Row:
    """One data line with named access to its cells; the header's own spelling is used in errors."""

    def __init__(self, cells: list[str], columns: dict[str, int], names: list[str], line: int) -> None:
        self.cells, self.columns, self.names, self.line = cells, columns, names, line
        needed = max(columns[k] for k in cols.REQUIRED) + 1
        if len(cells) < needed:
            raise BelgianCsvError("row", ";".join(cells)[:120], line, f"expected at least {needed} columns")
        volume = columns["volume"]
        for index, cell in enumerate(cells):
            if len(cell) > cols.MAX_CELL and not (index == volume and cols.is_number(cell)):
                field = names[index] if index < len(names) else f"column {index + 1}"
                raise BelgianCsvError(field, cell, line, f"a cell of {len(cell)} characters (at most {cols.MAX_CELL})")

    def name(self, key: str) -> str:
        return self.names[self.columns[key]]

    def raw(self, key: str) -> str:
        return self.cells[self.columns[key]]

    def parse(self, key: str, parser: Callable[[str, str, int], T]) -> T:
        return parser(self.name(key), self.raw(key), self.line)


def _unreadable(text: str, line: int, names: list[str], error: csv.Error) -> BelgianCsvError:
    """A csv module failure as a typed error naming the line and, when it can be told, the column."""
    physical = text.splitlines()[line - 1 : line] or [""]
    cells = physical[0].split(";")
    index = max(range(len(cells)), key=lambda i: len(cells[i]))
    if len(cells[index]) <= cols.MAX_CELL and '"' in physical[0]:
        index = next((i for i, c in enumerate(cells) if '"' in c), index)
    field = names[index] if index < len(names) else f"column {index + 1}"
    return BelgianCsvError(field, cells[index], line, f"unreadable CSV ({error})")


def _rows(text: str) -> tuple[list[_Row], dict[str, int]]:
    # newline="": the csv module splits \n, \r\n and CR-only (old spreadsheet) line endings itself
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";")
    names: list[str] = []
    rows: list[_Row] = []
    try:
        header = next(reader, None)
        if header is None:
            raise BelgianCsvError("header", "", 1, "the file is empty")
        columns = cols.header_map(header)
        names = [c.strip().lstrip("\ufeff").strip() for c in header]
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(_Row(cells, columns, names, reader.line_num))
    except csv.Error as exc:
        raise _unreadable(text.lstrip("\ufeff"), max(reader.line_num, 1), names, exc) from None
    return rows, columns


def detect_ean(text: str, *, file: str | None = None) -> str:
    """The EAN of the file's first data row (the importer's default when no --ean is given)."""
    try:
        rows, _ = _rows(text)
        if not rows:
            raise BelgianCsvError("file", "", 2, "no data rows after the header")
        return rows[0].parse("ean", cols.parse_ean)
    except BelgianImportError as exc:
        raise exc.in_file(file) if file else exc from None


def _resolve(row: _Row, seen: dict[tuple[str, datetime], int]) -> tuple[datetime, datetime]:
    """(UTC start, UTC end) of a row; repeated fall-back labels are taken in order of appearance per register."""
    start_label = cols.local_label(
        row.name("from_date"), row.raw("from_date"), row.name("from_time"), row.raw("from_time"), row.line
    )
    end_label = cols.local_label(
        row.name("until_date"), row.raw("until_date"), row.name("until_time"), row.raw("until_time"), row.line
    )
    starts = utc_candidates(start_label)
    if not starts:
        raise BelgianCsvError(
            row.name("from_time"),
            row.raw("from_time"),
            row.line,
            f"{start_label:%d/%m/%Y %H:%M} does not exist in Europe/Brussels (spring-forward gap)",
        )
    key = (" ".join(row.raw("register").lower().split()), start_label)
    occurrence = seen.get(key, 0)
    if occurrence >= len(starts):
        raise BelgianCsvError(
            row.name("from_time"),
            row.raw("from_time"),
            row.line,
            f"interval {start_label:%d/%m/%Y %H:%M} of register {row.raw('register')!r} appears {occurrence + 1} times",
        )
    seen[key] = occurrence + 1
    start = starts[occurrence]
    ends = utc_candidates(end_label)
    if not ends:
        raise BelgianCsvError(
            row.name("until_time"),
            row.raw("until_time"),
            row.line,
            f"{end_label:%d/%m/%Y %H:%M} does not exist in Europe/Brussels (spring-forward gap)",
        )
    for end in ends:
        if end - start == QUARTER:
            return start, end
    minutes = (ends[0] - start).total_seconds() / 60
    raise BelgianCsvError(
        row.name("until_time"),
        row.raw("until_time"),
        row.line,
        f"a quarter-hour interval must last 15 real minutes, this one lasts {minutes:g}",
    )


def parse_quarter_hour_csv(text: str, *, ean: str, file: str | None = None) -> pd.DataFrame:
    """Canonical readings of one meter: Day+Night registers summed per direction and interval, gaps left out.
    Every refusal is a BelgianImportError naming the file (when given), the line and the field."""
    ids.meter_id("be_csv", ean)
    try:
        return _parse(text, ean)
    except BelgianImportError as exc:
        raise exc.in_file(file) if file else exc from None


def _parse(text: str, ean: str) -> pd.DataFrame:
    rows, _ = _rows(text)
    seen: dict[tuple[str, datetime], int] = {}
    intervals: dict[tuple[str, datetime], _Interval] = {}
    for row in rows:
        row_ean = row.parse("ean", cols.parse_ean)
        if row_ean != ean:
            raise BelgianCsvError(row.name("ean"), row.raw("ean"), row.line, f"the file is imported for EAN {ean}")
        metric = row.parse("register", cols.parse_register)
        start, _ = _resolve(row, seen)
        row.parse("unit", cols.parse_unit)
        status = row.parse("status", cols.parse_status)
        volume = row.raw("volume").strip()
        if status == cols.GAP:
            if volume:
                row.parse("volume", cols.parse_volume)
            continue
        if not volume:
            raise BelgianCsvError(
                row.name("volume"), row.raw("volume"), row.line, f"empty volume with status {row.raw('status')!r}"
            )
        kwh = row.parse("volume", cols.parse_volume)
        held = intervals.get((metric, start))
        if held is None:
            intervals[(metric, start)] = _Interval(kwh, status)
        else:
            held.kwh += kwh
            held.quality = max(held.quality, status, key=_QUALITY_RANK.__getitem__)
    return readings_frame(ean, [(m, s, 900, i.kwh, i.quality) for (m, s), i in intervals.items()])


def readings_frame(meter_id: str, rows: list[tuple[str, datetime, int, float, str]]) -> pd.DataFrame:
    """(metric, UTC start, interval_s, kwh, quality) tuples -> canonical frame sorted by metric and ts."""
    if not rows:
        return empty_readings()
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    frame = pd.DataFrame(
        {
            "meter_id": pd.Series([meter_id] * len(rows), dtype="string"),
            "metric": pd.Series([r[0] for r in rows], dtype="string"),
            "ts": pd.Series([r[1] for r in rows]).astype("datetime64[us, UTC]"),
            "interval_s": pd.Series([r[2] for r in rows], dtype="int64"),
            "kwh": pd.Series([round(r[3], 6) for r in rows], dtype="float64"),
            "quality": pd.Series([r[4] for r in rows], dtype="string"),
            "source": pd.Series([SOURCE] * len(rows), dtype="string"),
        }
    )
    return with_point_metadata(frame)
