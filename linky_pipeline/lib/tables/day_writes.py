"""reading_days rows written where, and only where, they differ from what is stored.

Days with no stored row are COPied; a stored day is rewritten only when its intervals differ (every changed value
recorded in reading_revisions with the answer that brought it); a stored day the new rows lack is deleted. Split from
readings.py (which decides which days to rebuild and from which answers) so each module stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import psycopg

from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.store.timescale.server import allow_decompression
from linky_pipeline.lib.tables import pgbinary as pgb
from linky_pipeline.lib.tables.landed import Answer
from linky_pipeline.lib.tables.packing import MJ_PER_KWH, DayRow, Key, Revision, revisions
from linky_pipeline.lib.tables.reading_inputs import forget_inputs

SQL = SqlFiles(__name__)

COPY_DAYS = (
    "COPY reading_days (meter_pk, metric, day, offset_s, interval_s, energy_mj, quality, source) "
    "FROM STDIN (FORMAT BINARY)"
)


@dataclass
class MonthWrite:
    """What writing one building-month's readings did."""

    days_unchanged: int = 0
    days_inserted: int = 0
    days_rewritten: int = 0
    days_deleted: int = 0
    intervals_written: int = 0
    revisions: int = 0
    touched: list[date] = field(default_factory=list)  # days inserted, rewritten or deleted
    seconds: float = 0.0

    def metadata(self) -> dict[str, int | float]:
        """What a building-month's readings rebuild did, for its partition's metadata."""
        return {
            "dagster/partition_row_count": self.intervals_written,
            "rows_written": self.intervals_written,
            "days_unchanged": self.days_unchanged,
            "days_written": self.days_inserted + self.days_rewritten,
            "days_deleted": self.days_deleted,
            "revised_intervals": self.revisions,
            "duration_s": round(self.seconds, 3),
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"touched": [d.isoformat() for d in self.touched]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonthWrite:
        """What `to_json` stored (run_builds.details: a month built while its run still fetched)."""
        return cls(**(dict(data) | {"touched": [date.fromisoformat(d) for d in data.get("touched", [])]}))

    def add(self, other: MonthWrite) -> None:
        for name in (
            "days_unchanged",
            "days_inserted",
            "days_rewritten",
            "days_deleted",
            "intervals_written",
            "revisions",
            "seconds",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.touched.extend(other.touched)


def stored_digests(conn: psycopg.Connection, meter_pks: list[int], start: date, end: date) -> dict[Key, str]:
    """The digest of every stored day (computed by the server: the arrays themselves stay there)."""
    params = {"meters": meter_pks, "start": start, "end": end}
    return {(r[0], r[1], r[2]): r[3] for r in conn.execute(SQL["select_reading_day_digests"], params).fetchall()}


def _key_params(keys: list[Key]) -> dict[str, object]:
    """Key list plus the bounds TimescaleDB can match against compressed batches (segment values, day min/max)."""
    return {
        "meters": sorted({k[0] for k in keys}),
        "first": min(k[2] for k in keys),
        "last": max(k[2] for k in keys),
        "key_meters": [k[0] for k in keys],
        "key_metrics": [k[1] for k in keys],
        "key_days": [k[2] for k in keys],
    }


def stored_days(conn: psycopg.Connection, keys: list[Key]) -> dict[Key, DayRow]:
    rows = conn.execute(SQL["select_reading_days"], _key_params(keys)).fetchall()
    return {(r[0], r[1], r[2]): DayRow(*r) for r in rows}


def copy_days(conn: psycopg.Connection, rows: list[DayRow]) -> None:
    """One binary COPY, its bytes built by numpy (pgbinary) rather than per-element adapters."""
    with conn.cursor().copy(COPY_DAYS) as copy:
        copy.write(pgb.COPY_HEADER + b"".join(row.copy_tuple() for row in rows) + pgb.COPY_TRAILER)


def _record_revisions(conn: psycopg.Connection, found: list[Revision], answers: list[Answer]) -> None:
    rows = []
    for r in found:
        a = answers[r.ref] if r.ref >= 0 else None
        rows.append(
            (
                r.meter_pk,
                r.metric,
                r.ts,
                r.old_interval_s,
                r.old_mj / MJ_PER_KWH,
                r.old_quality,
                r.new_interval_s,
                None if r.new_mj is None else r.new_mj / MJ_PER_KWH,
                r.new_quality,
                *((a.endpoint, a.window_start, a.window_end, a.payload_sha256, a.fetched_at) if a else (None,) * 5),
            )
        )
    conn.cursor().executemany(SQL["insert_reading_revision"], rows)


def write_days(
    conn: psycopg.Connection,
    meter_pks: list[int],
    start: date,
    end: date,
    rows: list[DayRow],
    answers: list[Answer] | None = None,
) -> MonthWrite:
    """Make reading_days for these meters and local days [start, end) equal `rows`, writing only the difference.
    The rows may come from anything but the landed answers: what the days were built from is forgotten."""
    forget_inputs(conn, meter_pks, start, end)
    return write_difference(conn, rows, answers, stored_digests(conn, meter_pks, start, end))


def write_difference(
    conn: psycopg.Connection, rows: list[DayRow], answers: list[Answer] | None, stored: dict[Key, str]
) -> MonthWrite:
    done = MonthWrite()
    if not stored:
        fresh, changed, gone = rows, [], []
    else:
        fresh = [r for r in rows if r.key not in stored]
        changed = [r for r in rows if r.key in stored and r.digest() != stored[r.key]]
        wanted = {r.key for r in rows}
        gone = [k for k in stored if k not in wanted]
    done.days_unchanged = len(rows) - len(fresh) - len(changed)
    if fresh or changed or gone:
        allow_decompression(conn)  # deletes, and unique checks against compressed rows, may decompress batches
    if changed or gone:
        replaced = [r.key for r in changed] + gone
        old = stored_days(conn, replaced)
        conn.execute(SQL["delete_reading_days"], _key_params(replaced))
        found = [rev for r in changed for rev in revisions(old[r.key], r)]
        found += [rev for k in gone for rev in revisions(old[k], None)]
        if found:
            _record_revisions(conn, found, answers or [])
        done.revisions = len(found)
    if fresh or changed:
        copy_days(conn, fresh + changed)
    done.days_inserted, done.days_rewritten, done.days_deleted = len(fresh), len(changed), len(gone)
    done.intervals_written = sum(len(r.offset_s) for r in fresh) + sum(len(r.offset_s) for r in changed)
    done.touched = [r.day for r in fresh + changed] + [k[2] for k in gone]
    return done
