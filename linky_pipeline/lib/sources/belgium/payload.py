"""The landed form of a CSV import: one JSON document per meter × local month (api_version be-csv-v1).

Rows are [start, end, kwh, quality] with the Brussels offset written out, so re-reading the document never has
to guess which of two identical wall-clock labels was meant.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Final, TypeAlias

import pandas as pd

from linky_pipeline.lib.domain.localtime import BRUSSELS, month_start
from linky_pipeline.lib.sources.belgium.csv_export import readings_frame
from linky_pipeline.lib.sources.belgium.errors import BelgianPayloadError

API_VERSION: Final = "be-csv-v1"
ENDPOINT: Final = "quarter_hour_csv"
QUALITIES: Final = ("read", "estimated", "validated")
PayloadRow: TypeAlias = list[str | float]  # [start_iso, end_iso, kwh, quality]


def local_iso(ts_utc: datetime) -> str:
    return ts_utc.astimezone(BRUSSELS).isoformat()


def local_month(ts_utc: datetime) -> date:
    """Brussels month an interval starting at `ts_utc` belongs to."""
    return month_start(ts_utc.astimezone(BRUSSELS).date())


def frame_rows(frame: pd.DataFrame) -> list[PayloadRow]:
    """Canonical readings (one metric) -> payload rows."""
    out: list[PayloadRow] = []
    for ts, interval_s, kwh, quality in zip(
        frame["ts"].dt.to_pydatetime(), frame["interval_s"], frame["kwh"], frame["quality"], strict=True
    ):
        end = ts + pd.Timedelta(seconds=int(interval_s)).to_pytimedelta()
        out.append([local_iso(ts), local_iso(end), float(kwh), str(quality)])
    return out


def _start_of(row: object) -> datetime:
    if not isinstance(row, list) or len(row) != 4 or not isinstance(row[0], str):
        raise BelgianPayloadError("row", row, "expected [start, end, kwh, quality]")
    try:
        start = datetime.fromisoformat(row[0])
    except ValueError:
        raise BelgianPayloadError("start", row[0], "expected an ISO 8601 instant with offset") from None
    if start.tzinfo is None:
        raise BelgianPayloadError("start", row[0], "has no UTC offset")
    return start.astimezone(UTC)


def merge_rows(stored: Iterable[PayloadRow], new: Iterable[PayloadRow]) -> list[PayloadRow]:
    """Union of two row lists keyed by interval start; the newer file's value wins; ordered by start."""
    by_start = {_start_of(r): r for r in stored}
    by_start.update({_start_of(r): r for r in new})
    return [by_start[k] for k in sorted(by_start)]


def merge_document(
    stored: Mapping[str, object] | None, rows: list[PayloadRow], quarantined: list[PayloadRow]
) -> tuple[list[PayloadRow], list[PayloadRow]]:
    """(rows, quarantined) of a month after a new file: per interval the newer file wins, whether its value is
    plausible (rows) or quarantined (kept as read, never parsed into readings)."""
    old_rows = list(stored.get("rows", [])) if stored else []  # type: ignore[call-overload]
    old_bad = list(stored.get("quarantined", [])) if stored else []  # type: ignore[call-overload]
    by_start: dict[datetime, tuple[bool, PayloadRow]] = {_start_of(r): (True, r) for r in old_rows}
    by_start.update({_start_of(r): (False, r) for r in old_bad})
    by_start.update({_start_of(r): (True, r) for r in rows})
    by_start.update({_start_of(r): (False, r) for r in quarantined})
    ordered = [by_start[k] for k in sorted(by_start)]
    return [r for good, r in ordered if good], [r for good, r in ordered if not good]


def document(
    ean: str, direction: str, rows: list[PayloadRow], quarantined: list[PayloadRow] | None = None
) -> dict[str, object]:
    """The landed month; `quarantined` rows ([start, end, value as text, quality]) appear only when there are any,
    so a month without them keeps the document (and checksum) it always had."""
    doc: dict[str, object] = {"ean": ean, "direction": direction, "rows": rows}
    if quarantined:
        doc["quarantined"] = quarantined
    return doc


def canonical_json(doc: Mapping[str, object]) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sha256_of(doc: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json(doc).encode()).hexdigest()


def _as_float(kwh: int | float) -> float:
    """An integer too large for a double reads as infinity (quarantined downstream), not an OverflowError."""
    try:
        return float(kwh)
    except OverflowError:
        return math.inf


def payload_readings(payload: Mapping[str, object], meter_id: str) -> pd.DataFrame:
    """A landed be-csv-v1 document -> canonical readings (what raw_parse dispatches to)."""
    if payload.get("ean") != meter_id:
        raise BelgianPayloadError("ean", payload.get("ean"), f"the meter is {meter_id}")
    direction = payload.get("direction")
    if direction not in ("consumption", "production"):
        raise BelgianPayloadError("direction", direction, "expected consumption or production")
    rows = payload.get("rows")
    if not isinstance(rows, list):
        raise BelgianPayloadError("rows", rows, "expected a list")
    parsed = []
    starts: set[datetime] = set()
    for row in rows:
        start = _start_of(row)
        if start in starts:  # the importer writes one row per interval (merge_rows): anything else was edited
            raise BelgianPayloadError("start", row[0], "appears twice in the document")
        starts.add(start)
        end = _start_of([row[1], None, None, None])
        kwh, quality = row[2], row[3]
        if isinstance(kwh, bool) or not isinstance(kwh, int | float) or kwh < 0:
            raise BelgianPayloadError("kwh", kwh, "expected a non-negative number")
        if quality not in QUALITIES:
            raise BelgianPayloadError("quality", quality, f"expected one of {', '.join(QUALITIES)}")
        interval_s = int((end - start).total_seconds())
        if interval_s <= 0:
            raise BelgianPayloadError("end", row[1], "must be after the start")
        parsed.append((str(direction), start, interval_s, _as_float(kwh), str(quality)))
    return readings_frame(meter_id, parsed)
