"""Readings rebuilt day by day where their inputs changed equal readings rebuilt from every answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.domain.registry import Meter, add_building, add_meter, get_building, list_meters
from linky_pipeline.lib.tables import landed
from linky_pipeline.lib.tables.day_writes import MonthWrite
from linky_pipeline.lib.tables.landed import Answer
from linky_pipeline.lib.tables.reading_inputs import carried_days
from linky_pipeline.lib.tables.readings import (
    month_readings,
    rebuild_month,
    rebuild_readings_run,
    write_month,
)
from linky_pipeline_tests.support.nightly_answers import curve_body, land, land_night, night_at

MONTH = date(2026, 11, 1)
NOW = datetime(2026, 11, 21, 1, tzinfo=UTC)
PRMS = ("22516914714270", "12345678901234")

DAYS = (
    "SELECT meter_pk, metric, day, offset_s, interval_s, energy_mj, quality, source FROM reading_days ORDER BY 1, 2, 3"
)
REVISIONS = (
    "SELECT meter_pk, metric, ts, old_interval_s, old_kwh, old_quality, new_interval_s, new_kwh, new_quality, "
    "raw_endpoint, raw_window_start, raw_window_end, raw_sha256, raw_fetched_at FROM reading_revisions "
    "WHERE id > %s ORDER BY meter_pk, metric, ts, new_kwh NULLS FIRST"
)
INPUTS = "SELECT meter_pk, day, inputs_digest, metrics FROM reading_day_inputs ORDER BY 1, 2"


def _setup(
    db: psycopg.Connection, url: str, tz: str = "Europe/Brussels"
) -> tuple[BuildingMonth, list[Meter], list[tuple[int, str]]]:
    add_building(db, "gent", "Gent", tz)
    for prm in PRMS:
        add_meter(db, "gent", "enedis", prm, "consumption")
    db.commit()
    meters = list_meters(db, "gent")
    return get_building(db, "gent").month(MONTH), meters, [(m.pk, m.meter_id) for m in meters]


def _nights(db: psycopg.Connection, pairs: list[tuple[int, str]], first: int, last: int) -> None:
    with db.transaction():
        for n in range(first, last + 1):
            land_night(db, pairs, date(2026, 11, n))


def _run(db: psycopg.Connection, url: str, bm: BuildingMonth) -> MonthWrite:
    """The run's rebuild, on its own connection (what `db` changed is committed first)."""
    db.commit()
    return rebuild_readings_run(lambda: psycopg.connect(url), [bm]).months[bm]


def _last_revision(db: psycopg.Connection) -> int:
    row = db.execute("SELECT coalesce(max(id), 0) FROM reading_revisions").fetchone()
    return int(row[0]) if row else 0


def _count(db: psycopg.Connection, table: str) -> int:
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _snapshot(db: psycopg.Connection, since: int) -> tuple[list[Any], list[Any]]:
    return db.execute(DAYS).fetchall(), db.execute(REVISIONS, (since,)).fetchall()


def _changes(db: psycopg.Connection, pairs: list[tuple[int, str]]) -> None:
    """Two more nights, an answer corrected in place, a later answer lacking intervals, an answer deleted."""
    _nights(db, pairs, 21, 22)
    (pk_a, prm_a), (pk_b, prm_b) = pairs
    with db.transaction():
        # the answer of the night of the 12th, landed again with other values for its 9th
        fixed = curve_body(prm_a, date(2026, 11, 5), date(2026, 11, 12))
        fixed["meter_reading"]["interval_reading"][4 * 48 : 5 * 48] = curve_body(
            prm_a, date(2026, 11, 9), date(2026, 11, 10), revision=3
        )["meter_reading"]["interval_reading"]
        land(db, pk_a, date(2026, 11, 5), date(2026, 11, 12), fixed, night_at(date(2026, 11, 12)))
        # a later fetch of the 14th lacking two intervals: the older answers' values stay
        gone = [local_midnight_utc(date(2026, 11, 14), PARIS) + timedelta(hours=h) for h in (3, 17)]
        body = curve_body(prm_b, date(2026, 11, 14), date(2026, 11, 15), revision=2, skip=gone)
        land(db, pk_b, date(2026, 11, 14), date(2026, 11, 15), body, night_at(date(2026, 11, 23)))
        # the answer of the night of the 3rd (reaching into October) deleted: its 1st and 2nd lose it
        db.execute("DELETE FROM raw_load_curves WHERE meter_pk = %s AND window_end = %s", (pk_b, date(2026, 11, 3)))


@pytest.mark.parametrize("tz", ["Europe/Brussels", "Europe/Paris"])
def test_a_rebuild_of_the_changed_days_equals_a_rebuild_of_every_day(
    db: psycopg.Connection, pg_url: str, tz: str
) -> None:
    bm, meters, pairs = _setup(db, pg_url, tz)
    _nights(db, pairs, 3, 20)
    first = _run(db, pg_url, bm)
    assert first.days_inserted == 2 * 19 and first.days_unchanged == 0  # nights up to the 20th: 1st-19th
    assert _count(db, "reading_day_inputs") == 2 * 30
    _changes(db, pairs)
    since = _last_revision(db)
    incremental = _run(db, pg_url, bm)
    db.rollback()
    assert incremental.days_unchanged > 0 and incremental.days_rewritten > 0
    after_incremental = _snapshot(db, since)
    inputs_incremental = db.execute(INPUTS).fetchall()
    assert after_incremental[1], "the corrected, lacking and deleted answers revise stored values"

    # the same change made by the whole-month rebuild (what every nightly did before), on the same database
    with db.transaction():
        db.execute("DELETE FROM reading_revisions WHERE id > %s", (since,))
        db.execute("TRUNCATE reading_days")
        db.execute("DELETE FROM reading_day_inputs")
        db.execute("DELETE FROM raw_load_curves WHERE fetched_at > %s", (night_at(date(2026, 11, 20)),))
    _nights(db, pairs, 3, 20)  # the corrected answer back as it was, the deleted one back
    with db.transaction():
        write_month(db, bm, meters, *month_readings(db, meters, bm))
    since = _last_revision(db)
    _changes(db, pairs)
    with db.transaction():
        full = write_month(db, bm, meters, *month_readings(db, meters, bm))
    assert _snapshot(db, since) == after_incremental
    assert full.days_rewritten == incremental.days_rewritten and full.revisions == incremental.revisions

    # from scratch: nothing stored, every answer parsed
    with db.transaction():
        db.execute("TRUNCATE reading_days")
        db.execute("DELETE FROM reading_day_inputs")
    _run(db, pg_url, bm)
    assert db.execute(DAYS).fetchall() == after_incremental[0]
    assert db.execute(INPUTS).fetchall() == inputs_incremental


def test_a_nightly_parses_only_the_answers_of_its_days(db: psycopg.Connection, pg_url: str) -> None:
    bm, _, pairs = _setup(db, pg_url)
    _nights(db, pairs, 3, 20)
    _run(db, pg_url, bm)
    _nights(db, pairs, 21, 21)
    landed.PARSED = landed.ParsedAnswers()
    done = _run(db, pg_url, bm)
    # the night of the 21st lands the Brussels days [14th, 21st), which the answers of the nights of the
    # 15th-21st can carry (7 per meter, of 19); the 1st-13th are not even compared, the 14th-18th are compared
    # and found equal
    assert landed.PARSED.parsed == 2 * 7
    assert done.days_unchanged == 2 * 18
    assert (done.days_inserted, done.days_rewritten) == (2 * 1, 2 * 1)  # the 20th is new, the 19th corrected


def test_outside_the_provider_zones_answers_get_a_day_of_margin() -> None:
    """Buildings are registered in Paris or Brussels, whose local days the windows are; any other zone (a
    BuildingMonth built by hand) may see a window's points a day earlier or later."""
    answer = Answer(1, "consumption_load_curve", "v5", date(2026, 11, 14), date(2026, 11, 21), "s", NOW, 0)
    assert carried_days(answer, ZoneInfo("Europe/Brussels")) == (date(2026, 11, 14), date(2026, 11, 20))
    assert carried_days(answer, ZoneInfo("Europe/London")) == (date(2026, 11, 13), date(2026, 11, 21))


def test_unchanged_inputs_parse_nothing_and_write_nothing(db: psycopg.Connection, pg_url: str) -> None:
    bm, meters, pairs = _setup(db, pg_url)
    _nights(db, pairs, 3, 20)
    _run(db, pg_url, bm)
    before = db.execute("SELECT day, xmin::text FROM reading_days ORDER BY 1").fetchall()
    landed.PARSED = landed.ParsedAnswers()
    with db.transaction():
        again = rebuild_month(db, bm, meters)
    assert landed.PARSED.parsed == 0
    assert (again.days_unchanged, again.days_rewritten, again.intervals_written) == (2 * 19, 0, 0)
    assert db.execute("SELECT day, xmin::text FROM reading_days ORDER BY 1").fetchall() == before


@pytest.mark.parametrize(
    "tamper",
    [
        "TRUNCATE reading_days",
        "DELETE FROM readings WHERE ts = '2026-11-10T09:00Z'",
        "INSERT INTO readings VALUES ({pk}, 'consumption', '2026-11-10T09:15Z', 900, 9.5, 'BRUT', 'manual')",
    ],
)
def test_days_changed_behind_the_builder_are_rebuilt(db: psycopg.Connection, pg_url: str, tamper: str) -> None:
    """A stored fingerprint never makes a day changed by something else than a build look unchanged."""
    bm, _, pairs = _setup(db, pg_url)
    _nights(db, pairs, 3, 20)
    _run(db, pg_url, bm)
    expected = db.execute(DAYS).fetchall()
    with db.transaction():
        db.execute(tamper.format(pk=pairs[0][0]))
    assert db.execute(DAYS).fetchall() != expected
    _run(db, pg_url, bm)
    assert db.execute(DAYS).fetchall() == expected


def test_rows_written_from_elsewhere_forget_the_inputs_of_their_days(db: psycopg.Connection, pg_url: str) -> None:
    bm, meters, pairs = _setup(db, pg_url)
    _nights(db, pairs, 3, 20)
    _run(db, pg_url, bm)
    expected = db.execute(DAYS).fetchall()
    frame, answers = month_readings(db, meters, bm)
    with db.transaction():
        write_month(db, bm, meters, frame[frame["ts"] < datetime(2026, 11, 10, tzinfo=PARIS)], answers)
    assert _count(db, "reading_day_inputs") == 0
    _run(db, pg_url, bm)
    assert db.execute(DAYS).fetchall() == expected
