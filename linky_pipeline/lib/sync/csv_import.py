"""Land a Belgian quarter-hour CSV export in raw_load_curves: one row per meter × Brussels month, one transaction.

A later file overlapping a stored month is merged into it (the newer file wins per interval); importing the same
file again produces the same document and checksum, so the upsert changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.localtime import BRUSSELS, next_month
from linky_pipeline.lib.domain.registry import Meter, RegistryError, get_building, list_meters
from linky_pipeline.lib.sources.belgium import payload as pl
from linky_pipeline.lib.sources.belgium.csv_export import detect_ean, parse_quarter_hour_csv
from linky_pipeline.lib.sources.belgium.errors import BelgianImportError
from linky_pipeline.lib.sources.plausibility import ImplausiblePoint, check_frame
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.sync.quarantine import LandedCheck, record_implausible, value_text

SQL = SqlFiles(__name__)


@dataclass(frozen=True)
class MonthLanded:
    meter_id: str
    direction: str
    month: date
    rows_in_file: int
    rows_stored: int
    changed: bool
    quarantined: int = 0  # implausible intervals of the file in this month (flagged, not stored as readings)


@dataclass
class ImportReport:
    building: str
    ean: str
    file: str
    sha256: str
    months: list[MonthLanded] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # e.g. all-zero injection rows of a meter without solar
    quarantined: list[str] = field(default_factory=list)  # implausible intervals: interval, value, limit


def _read(path_or_text: str | Path) -> tuple[str, str, bytes]:
    """(file name, text, bytes): a Path or a one-line str is a file; a str with newlines is the content."""
    if isinstance(path_or_text, Path) or not ("\n" in path_or_text or "\r" in path_or_text):
        path = Path(path_or_text)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BelgianImportError("file", str(path), exc.strerror or "cannot be read") from None
        name = path.name
    else:
        data, name = path_or_text.encode("utf-8"), "<text>"
    try:
        return name, data.decode("utf-8-sig"), data
    except UnicodeDecodeError:
        raise BelgianImportError("file", name, "is not UTF-8 text") from None


def _meters(conn: psycopg.Connection, building: str, ean: str) -> dict[str, Meter]:
    """The building's be_csv meters with this EAN, by direction."""
    try:
        get_building(conn, building)
    except RegistryError:
        raise BelgianImportError("building", building, "unknown building") from None
    found = {m.direction: m for m in list_meters(conn, building) if m.provider == "be_csv" and m.meter_id == ean}
    if not found:
        raise BelgianImportError(
            "EAN",
            ean,
            f"no be_csv meter with this EAN in building {building!r}; register "
            f"it with `linky-pipeline meters add --provider be_csv --meter {ean}`",
        )
    return found


def _stored(conn: psycopg.Connection, meter_pk: int, month: date) -> dict[str, object] | None:
    row = conn.execute(
        "SELECT payload FROM raw_load_curves WHERE meter_pk = %s AND endpoint = %s AND window_start = %s "
        "AND window_end = %s FOR UPDATE",
        (meter_pk, pl.ENDPOINT, month, next_month(month)),
    ).fetchone()
    return None if row is None or row[0] is None else dict(row[0])


def _quarantined_rows(points: list[ImplausiblePoint]) -> list[pl.PayloadRow]:
    """Implausible intervals as read ([start, end, value as text, quality]): JSON holds no infinity."""
    out: list[pl.PayloadRow] = []
    for p in points:
        assert p.start is not None and p.interval_s is not None  # curve points
        end = p.start + timedelta(seconds=p.interval_s)
        out.append([pl.local_iso(p.start), pl.local_iso(end), value_text(p.value), "quarantined"])
    return out


def import_csv(
    conn: psycopg.Connection, building_code: str, path_or_text: str | Path, *, ean: str | None = None
) -> ImportReport:
    """Parse the whole file first (nothing is written on bad input), then land every meter × month at once."""
    name, text, data = _read(path_or_text)
    ean = ean or detect_ean(text, file=name)
    frame = parse_quarter_hour_csv(text, ean=ean, file=name)
    report = ImportReport(building_code, ean, name, hashlib.sha256(data).hexdigest())
    request = json.dumps({"file": name, "sha256": report.sha256}, sort_keys=True)
    now = datetime.now(UTC)
    with conn.transaction():
        meters = _meters(conn, building_code, ean)
        for metric, part in frame.groupby("metric", sort=True):
            meter = meters.get(str(metric))
            if meter is None:
                if float(part["kwh"].sum()) == 0.0:
                    report.skipped.append(f"{ean}/{metric}: {len(part)} all-zero rows, no {metric} meter")
                    continue
                raise BelgianImportError(
                    "EAN",
                    ean,
                    f"the file has {metric} energy but building "
                    f"{building_code!r} has no be_csv {metric} meter with this EAN",
                )
            months = pd.Series([pl.local_month(ts) for ts in part["ts"].dt.to_pydatetime()], index=part.index)
            for month, rows in part.groupby(months, sort=True):
                checked = check_frame("curve", rows.reset_index(drop=True))
                new_rows = pl.frame_rows(checked.plausible)
                merged, quarantined = pl.merge_document(
                    _stored(conn, meter.pk, month), new_rows, _quarantined_rows(checked.implausible)
                )
                doc = pl.document(ean, meter.direction, merged, quarantined)
                found = record_implausible(conn, [LandedCheck(meter.pk, ean, pl.ENDPOINT, BRUSSELS, checked)], now)
                report.quarantined.extend(line for lines in found.values() for line in lines)
                digest = pl.sha256_of(doc)
                changed = (
                    conn.execute(
                        SQL["upsert_raw_load_curve"],
                        {
                            "meter_pk": meter.pk,
                            "endpoint": pl.ENDPOINT,
                            "window_start": month,
                            "window_end": next_month(month),
                            "api_version": pl.API_VERSION,
                            "http_status": 200,
                            "request": request,
                            "payload": pl.canonical_json(doc),
                            "payload_sha256": digest,
                            "fetched_at": now,
                        },
                    ).rowcount
                    > 0
                )
                report.months.append(
                    MonthLanded(ean, meter.direction, month, len(rows), len(merged), changed, len(checked.implausible))
                )
    return report
