"""readings: the landed curves of a building-month, written as reading_days rows where, and only where, they changed.

Days with no stored row are COPied straight into reading_days; a stored day is rewritten only when its intervals
differ (every changed value is recorded in reading_revisions with the answer that brought it); a day no answer
carries any more is deleted. A rebuild whose inputs did not change writes nothing, so it leaves TimescaleDB's
compressed chunks compressed; chunks a run did rewrite are recompressed before it ends. Only the days whose inputs
changed are even looked at: the answers carrying no such day are not parsed (lib/tables/reading_inputs.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth, months_by_building
from linky_pipeline.lib.domain.registry import Meter, list_meters
from linky_pipeline.lib.sources.catalog import READING_ENDPOINTS
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.store.timescale.server import recompress_touched_chunks
from linky_pipeline.lib.tables.day_writes import MonthWrite, stored_digests, write_days, write_difference
from linky_pipeline.lib.tables.landed import Answer, answers_frame, landed_answers, month_answers, parsed_answers
from linky_pipeline.lib.tables.packing import Key, pack_days
from linky_pipeline.lib.tables.reading_inputs import (
    DayKey,
    StoredInputs,
    carried_days,
    day_digests,
    forget_inputs,
    outside_carried_days,
    record_inputs,
    stored_inputs,
)
from linky_pipeline.lib.tables.rebuild import Connect

SQL = SqlFiles(__name__)
TABLE = "reading_days"


def month_readings(
    conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth
) -> tuple[pd.DataFrame, list[Answer]]:
    """The month's intervals from every landed curve answer; a later fetch of an interval wins."""
    frame, answers = landed_answers(conn, meters, bm, READING_ENDPOINTS)
    return _month_frame(frame, bm), answers


def _month_frame(frame: pd.DataFrame, bm: BuildingMonth) -> pd.DataFrame:
    """The month's intervals of parsed answers (oldest fetch first): a later fetch of an interval wins."""
    if frame.empty:
        return frame
    frame = frame[(frame["ts"] >= bm.utc_start) & (frame["ts"] < bm.utc_end)]
    frame = frame.drop_duplicates(subset=["meter_pk", "metric", "ts"], keep="last")
    return frame.sort_values(["meter_pk", "metric", "ts"], ignore_index=True)


def write_month(
    conn: psycopg.Connection,
    bm: BuildingMonth,
    meters: list[Meter],
    frame: pd.DataFrame,
    answers: list[Answer] | None = None,
) -> MonthWrite:
    """Canonical readings of the building-month (meter_pk, metric, ts, interval_s, kwh, quality, source) → stored."""
    return write_days(conn, [m.pk for m in meters], bm.month, bm.next_month, pack_days(frame, bm.tz), answers)


def rebuild_readings(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    """Bring the building's readings of the local month in line with the raw answers; returns intervals written."""
    return rebuild_month(conn, bm, meters).intervals_written


def rebuild_month(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> MonthWrite:
    """`rebuild_readings`, saying what it wrote (caller's transaction, under the building-month lock)."""
    started = time.monotonic()
    done = rebuild_changed_days(conn, bm, meters)
    done.seconds = time.monotonic() - started
    return done


def month_days(bm: BuildingMonth) -> list[date]:
    return [bm.month + timedelta(days=i) for i in range((bm.next_month - bm.month).days)]


def rebuild_changed_days(
    conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter], *, empty: bool = False
) -> MonthWrite:
    """The month rebuilt from its landed answers, parsing and writing only the days whose inputs changed (every
    day of a month never built); the result equals a rebuild of every day. `empty`: the caller knows reading_days
    holds no day of the month (nothing to compare: one COPY)."""
    pks = [m.pk for m in meters]
    answers = month_answers(conn, meters, bm, READING_ENDPOINTS)
    bounds = PlausibilityBounds.from_env()
    digests = day_digests(meters, month_days(bm), answers, bm.tz, bounds)
    stored = StoredInputs({}, {}) if empty else stored_inputs(conn, pks, bm.month, bm.next_month)
    changed = {k for k, d in digests.items() if not stored.unchanged(k, d)}
    done = MonthWrite()
    if changed:
        wanted = [i for i, a in enumerate(answers) if _carries_any(a, changed, bm.tz)]
        parsed = parsed_answers(conn, meters, answers, bounds, wanted)
        if len(changed) < len(digests) and outside_carried_days(answers, parsed, bm.tz):
            changed = set(digests)  # an answer holds points the digests did not expect: rebuild every day
            parsed = parsed_answers(conn, meters, answers, bounds)
        frame = _month_frame(answers_frame(answers, parsed), bm)
        rows = [r for r in pack_days(frame, bm.tz) if (r.meter_pk, r.day) in changed]
        done = write_difference(conn, rows, answers, {} if empty else _stored_digests_of(conn, pks, changed))
        record_inputs(conn, digests, changed, rows)
    done.days_unchanged += stored.rows_of(k for k in digests if k not in changed)
    return done


def _stored_digests_of(conn: psycopg.Connection, meter_pks: list[int], days: set[DayKey]) -> dict[Key, str]:
    """Stored digests of these days only (read over their span: the nightly's changed days are its last ones)."""
    first, last = min(k[1] for k in days), max(k[1] for k in days)
    found = stored_digests(conn, meter_pks, first, last + timedelta(days=1))
    return {k: v for k, v in found.items() if (k[0], k[2]) in days}


def _carries_any(answer: Answer, changed: set[DayKey], tz: ZoneInfo) -> bool:
    first, last = carried_days(answer, tz)
    return any(k[0] == answer.meter_pk and first <= k[1] <= last for k in changed)


Readings = Callable[[BuildingMonth], tuple[pd.DataFrame, list[Answer]]]


def months_with_days(conn: psycopg.Connection, meter_pks: list[int], first: date, end: date) -> set[date]:
    """Months of [first, end) in which these meters have at least one stored day."""
    rows = conn.execute(SQL["select_months_with_days"], {"meters": meter_pks, "start": first, "end": end}).fetchall()
    return {r[0] for r in rows}


def write_building(
    conn: psycopg.Connection, meters: list[Meter], months: list[BuildingMonth], readings_of: Readings | None = None
) -> dict[BuildingMonth, MonthWrite]:
    """One building's months, each in its own transaction under its lock (`readings_of` is called inside it, so
    what it reads is what the lock protects). A month holding no stored day is COPied without comparing (one
    query for the whole building tells which); if another writer filled it meanwhile, the COPY meets the primary
    key and the month is done again the comparing way. Without `readings_of`, months are built from their landed
    answers, only their changed days (`rebuild_changed_days`)."""
    pks = [m.pk for m in meters]
    with conn.transaction():
        filled = months_with_days(conn, pks, months[0].month, months[-1].next_month) if months else set()
    done: dict[BuildingMonth, MonthWrite] = {}
    for bm in months:
        started = time.monotonic()
        if bm.month not in filled:
            try:
                with conn.transaction():
                    lock_building_month(conn, bm.building, bm.month)
                    if readings_of is None:
                        done[bm] = rebuild_changed_days(conn, bm, meters, empty=True)
                    else:
                        forget_inputs(conn, pks, bm.month, bm.next_month)
                        frame, answers = readings_of(bm)
                        done[bm] = write_difference(conn, pack_days(frame, bm.tz), answers, {})
                done[bm].seconds = time.monotonic() - started
                continue
            except psycopg.errors.UniqueViolation:
                pass  # rolled back: compare with what the other writer stored
        with conn.transaction():
            lock_building_month(conn, bm.building, bm.month)
            if readings_of is None:
                done[bm] = rebuild_changed_days(conn, bm, meters)
            else:
                frame, answers = readings_of(bm)
                done[bm] = write_days(conn, pks, bm.month, bm.next_month, pack_days(frame, bm.tz), answers)
        done[bm].seconds = time.monotonic() - started
    return done


@dataclass
class ReadingsRun:
    """A run's readings rebuild: per building-month outcome, and the TimescaleDB chunks recompressed."""

    months: dict[BuildingMonth, MonthWrite]
    chunks_recompressed: list[str]
    seconds: float

    @property
    def written(self) -> MonthWrite:
        total = MonthWrite()
        for done in self.months.values():
            total.add(done)
        return total


def rebuild_readings_run(
    connect: Connect, partitions: list[BuildingMonth], built: Mapping[BuildingMonth, MonthWrite] | None = None
) -> ReadingsRun:
    """Every building-month of the run on one connection, each in its transaction under its lock, then the
    compressed chunks the run rewrote are recompressed in one more transaction. Months in `built` were already
    written by this run (while its sync fetched: lib/tables/pipelined.py): reported and recompressed, not redone."""
    started = time.monotonic()
    done: dict[BuildingMonth, MonthWrite] = dict(built or {})
    recompressed: list[str] = []
    with connect() as conn:
        for code, months in months_by_building([bm for bm in partitions if bm not in done]).items():
            with conn.transaction():
                meters = list_meters(conn, code)
            done |= write_building(conn, meters, months)
        touched = [day for month in done.values() for day in month.touched]
        if touched:
            with conn.transaction():
                recompressed = recompress_touched_chunks(conn, TABLE, min(touched), max(touched))
    return ReadingsRun(done, recompressed, time.monotonic() - started)
