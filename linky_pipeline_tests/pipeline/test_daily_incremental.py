"""daily_consumption and daily_max_power rebuilt night after night, parsing only the answers of changed days and
writing only the rows that changed, equal the tables rebuilt from scratch (every answer parsed, every row written)
after every night: corrections, deleted answers, a disabled meter, a DST month, the curve horizon moving through
a month, an imported meter whose usual interval changes mid-month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import psycopg
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.lib.domain.registry import Meter, add_building, add_meter, get_building, list_meters
from linky_pipeline.lib.sources.catalog import MAX_POWER_ENDPOINT, provider
from linky_pipeline.lib.tables import landed
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.max_power import rebuild_max_power
from linky_pipeline.lib.tables.month_rows import RowsWrite
from linky_pipeline.lib.tables.readings import rebuild_month, write_month
from linky_pipeline_tests.support.nightly_answers import (
    daily_body,
    land,
    land_daily_night,
    night_at,
    power_body,
    record_states,
)

PRMS = ("22516914714270", "12345678901234")
DAILY = "daily_consumption"
CURVE = "consumption_load_curve"
TABLES = (
    "SELECT * FROM daily_consumption ORDER BY meter_pk, day",
    "SELECT * FROM daily_max_power ORDER BY meter_pk, day",
)
VERSIONS = (
    "SELECT day, xmin::text FROM daily_consumption UNION ALL SELECT day, xmin::text FROM daily_max_power ORDER BY 1, 2"
)
FIRST = "meter_pk = (SELECT min(id) FROM meters)"  # one row per tampering
Built = tuple[RowsWrite, RowsWrite]


def _night(db: psycopg.Connection, meters: list[Meter], night: date, gaps: dict[int, date]) -> None:
    """What the nightly of `night` lands for the meters still active."""
    with db.transaction():
        land_daily_night(db, [(m.pk, m.meter_id) for m in meters if m.status == "active"], night, gaps)


def _tables(db: psycopg.Connection) -> list[list[Any]]:
    return [db.execute(q).fetchall() for q in TABLES]


def _build(db: psycopg.Connection, bm: BuildingMonth, reference: date, *, readings: bool = True) -> Built:
    """One building-month of the nightly (the chain's order), then the same tables rebuilt from scratch in a
    transaction rolled back: they must be identical."""
    with db.transaction():
        meters = list_meters(db, bm.building)
        if readings:
            rebuild_month(db, bm, meters)
        built = rebuild_daily(db, bm, meters, reference), rebuild_max_power(db, bm, meters)
    incremental = _tables(db)
    with db.transaction(force_rollback=True):
        db.execute("DELETE FROM daily_consumption")
        db.execute("DELETE FROM daily_max_power")
        db.execute("DELETE FROM day_answer_values")
        landed.PARSED = landed.ParsedAnswers()
        scratch = rebuild_daily(db, bm, meters, reference), rebuild_max_power(db, bm, meters)
        assert _tables(db) == incremental, f"reference {reference}: incremental rows differ from a full rebuild"
        assert scratch[0].parsed <= scratch[0].answers and scratch[1].parsed <= scratch[1].answers
    official, power = _whole_month_values(db, bm, meters)
    stored = db.execute("SELECT meter_pk, day, official_kwh FROM daily_consumption").fetchall()
    assert {(pk, day): kwh for pk, day, kwh in stored} == {(pk, day): official.get((pk, day)) for pk, day, _ in stored}
    stored = db.execute("SELECT meter_pk, day, max_power_va, peak_at FROM daily_max_power").fetchall()
    assert {(pk, day): (va, at) for pk, day, va, at in stored} == power
    return built


def _whole_month_values(
    db: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]
) -> tuple[dict[tuple[int, date], float], dict[tuple[int, date], tuple[float, datetime]]]:
    """What the whole-month rebuild took from the answers (every answer parsed, the last one holding a day wins),
    computed independently of lib/tables/day_values.py."""
    official: dict[tuple[int, date], float] = {}
    for m in meters:
        frame = landed.raw_frames(db, [m], bm, (DAILY,))
        if not frame.empty:
            official |= {(m.pk, d): float(v) for d, v in zip(frame["day"], frame["kwh"], strict=True)}
    frame = landed.raw_frames(db, meters, bm, (MAX_POWER_ENDPOINT,))
    if frame.empty:
        return official, {}
    frame = frame.drop_duplicates(subset=["meter_pk", "day"], keep="last")
    frame = frame[(frame["day"] >= bm.month) & (frame["day"] < bm.next_month)]
    columns = (frame["meter_pk"], frame["day"], frame["max_power_va"], frame["peak_at"])
    return official, {(int(pk), d): (float(va), at.to_pydatetime()) for pk, d, va, at in zip(*columns, strict=True)}


def _setup(db: psycopg.Connection, tz: str, month: date) -> tuple[BuildingMonth, list[Meter]]:
    add_building(db, "gent", "Gent", tz)
    for prm in PRMS:
        add_meter(db, "gent", "enedis", prm, "consumption")
    db.commit()
    return get_building(db, "gent").month(month), list_meters(db, "gent")


def _rebuild_each_night(db: psycopg.Connection, bm: BuildingMonth, meters: list[Meter], nights: range) -> None:
    gaps = {meters[1].pk: bm.month + timedelta(days=9)}
    for n in nights:
        night = bm.month + timedelta(days=n)
        if n == 14:  # corrections landed behind the nightly's back, before its run
            pk, prm = meters[0].pk, meters[0].meter_id
            late = night_at(night) + timedelta(hours=1)  # after the nightly's own answers of that night
            with db.transaction():
                # the night of the 9th's daily answer landed again in place with other values
                first, end = bm.month + timedelta(days=1), bm.month + timedelta(days=8)
                land(db, pk, first, end, daily_body(prm, first, end, revision=3), night_at(end), DAILY)
                # a later single-day fetch of the 4th (a gap retry) with a new peak
                d = bm.month + timedelta(days=3)
                land(
                    db,
                    pk,
                    d,
                    d + timedelta(days=1),
                    power_body(prm, d, d + timedelta(days=1), 2),
                    late,
                    MAX_POWER_ENDPOINT,
                )
                # a later single-day daily fetch of the 7th holding nothing: the older answers' value stays
                d = bm.month + timedelta(days=6)
                land(db, pk, d, d + timedelta(days=1), daily_body(prm, d, d + timedelta(days=1), skip=d), late, DAILY)
                # the max-power answer of the night of the 6th deleted: its days keep what older answers held
                db.execute(
                    "DELETE FROM raw_load_curves WHERE meter_pk = %s AND endpoint = %s AND window_end = %s",
                    (meters[1].pk, MAX_POWER_ENDPOINT, bm.month + timedelta(days=5)),
                )
        if n == 18:  # the second meter disabled: no more answers, no more gap rows for days it never fetched
            with db.transaction():
                db.execute("UPDATE meters SET status = 'disabled' WHERE id = %s", (meters[1].pk,))
            meters = list_meters(db, "gent")
        _night(db, meters, night, gaps)
        built = _build(db, bm, night)
        if n >= 12:  # a steady night: only the answers of the re-fetched days are parsed
            assert 0 < built[0].parsed < built[0].answers and 0 < built[1].parsed < built[1].answers


@pytest.mark.parametrize(
    ("tz", "month"),
    [("Europe/Brussels", date(2026, 11, 1)), ("Europe/Paris", date(2026, 10, 1))],  # October: back to winter time
)
def test_each_night_equals_a_rebuild_from_scratch(db: psycopg.Connection, tz: str, month: date) -> None:
    bm, meters = _setup(db, tz, month)
    _rebuild_each_night(db, bm, meters, range(2, 35))
    rows = db.execute("SELECT count(*) FILTER (WHERE source_used = 'none') FROM daily_consumption").fetchone()
    assert rows is not None and rows[0] == 0, "the disabled meter's gap day was dropped"


def test_a_steady_night_parses_and_writes_only_its_days(db: psycopg.Connection) -> None:
    bm, meters = _setup(db, "Europe/Brussels", date(2026, 11, 1))
    for n in range(3, 21):
        _night(db, meters, date(2026, 11, n), {})
    _build(db, bm, date(2026, 11, 20))
    _night(db, meters, date(2026, 11, 21), {})
    landed.PARSED = landed.ParsedAnswers()
    daily, power = _build(db, bm, date(2026, 11, 21))
    # the night of the 21st lands [14th, 21st): its 7 days changed, and it holds all of them (the older answers
    # carrying them need not be parsed); the 20th is new and the provisional 19th corrected, nothing else changed
    for done in (daily, power):
        assert (done.parsed, done.answers) == (2 * 1, 2 * 19)  # the newest answer holds every day it carries
        assert (done.written, done.deleted, done.rows) == (2 * 2, 0, 2 * 20)


def test_unchanged_inputs_parse_nothing_and_write_nothing(db: psycopg.Connection) -> None:
    bm, meters = _setup(db, "Europe/Brussels", date(2026, 11, 1))
    for n in range(3, 21):
        _night(db, meters, date(2026, 11, n), {})
    _build(db, bm, date(2026, 11, 20))
    before = db.execute(VERSIONS).fetchall()
    landed.PARSED = landed.ParsedAnswers()
    with db.transaction():
        daily = rebuild_daily(db, bm, meters, date(2026, 11, 20))
        power = rebuild_max_power(db, bm, meters)
    assert landed.PARSED.parsed == 0 and (daily.parsed, power.parsed) == (0, 0)
    assert (daily.written, power.written, daily.deleted, power.deleted) == (0, 0, 0, 0)
    assert db.execute(VERSIONS).fetchall() == before


@pytest.mark.parametrize(
    "tamper",
    [
        f"DELETE FROM daily_consumption WHERE day = '2026-11-10' AND {FIRST}",
        f"UPDATE daily_consumption SET official_kwh = 1, total_kwh = 1 WHERE day = '2026-11-11' AND {FIRST}",
        f"UPDATE daily_consumption SET day_start = NULL WHERE day = '2026-11-12' AND {FIRST}",
        f"DELETE FROM daily_max_power WHERE day = '2026-11-10' AND {FIRST}",
        f"UPDATE daily_max_power SET peak_at_local = NULL WHERE day = '2026-11-12' AND {FIRST}",
        "INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at) "
        "SELECT 'gent', meter_pk, '2026-11-25', 1.0, now() FROM daily_max_power LIMIT 1",
    ],
)
def test_rows_changed_behind_the_builder_are_rewritten(db: psycopg.Connection, tamper: str) -> None:
    """Nothing the builder kept makes a row changed by another writer (or erased) look right."""
    bm, meters = _setup(db, "Europe/Brussels", date(2026, 11, 1))
    for n in range(3, 21):
        _night(db, meters, date(2026, 11, n), {})
    _build(db, bm, date(2026, 11, 20))
    expected = _tables(db)
    with db.transaction():
        db.execute(tamper)
    assert _tables(db) != expected
    daily, power = _build(db, bm, date(2026, 11, 20), readings=False)
    assert _tables(db) == expected
    assert daily.written + daily.deleted + power.written + power.deleted == 1


def test_the_curve_horizon_moving_through_a_month_rewrites_its_days_without_parsing(db: psycopg.Connection) -> None:
    """An old month with official days only: as the reference moves, days leave the curve horizon (no curve
    expected any more) though no answer changed."""
    reference = date(2026, 11, 23)
    bm, meters = _setup(db, "Europe/Paris", provider("enedis").horizon_start(CURVE, reference).replace(day=1))
    days = [bm.month + timedelta(days=i) for i in range((bm.next_month - bm.month).days)]
    with db.transaction():
        for m in meters:
            land(
                db,
                m.pk,
                bm.month,
                bm.next_month,
                daily_body(m.meter_id, bm.month, bm.next_month),
                night_at(bm.next_month),
                DAILY,
            )
            record_states(db, [(m.pk, DAILY, d, "complete") for d in days], night_at(bm.next_month))
    _build(db, bm, reference)
    for later in (reference + timedelta(days=3), reference + timedelta(days=40)):
        daily, _ = _build(db, bm, later)
        before, after = (
            provider("enedis").horizon_start(CURVE, reference),
            provider("enedis").horizon_start(CURVE, later),
        )
        left = [d for d in days if before <= d < after]  # days that left the curve horizon
        assert left and daily.parsed == 0 and daily.written == 2 * len(left)
        reference = later


def _csv_frame(pk: int, rows: list[tuple[datetime, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "meter_pk": [pk] * len(rows),
            "metric": ["consumption"] * len(rows),
            "ts": pd.Series([r[0] for r in rows]).astype("datetime64[us, UTC]"),
            "interval_s": [r[1] for r in rows],
            "kwh": [0.01 * r[1] / 600 for r in rows],
            "quality": ["measured"] * len(rows),
            "source": ["be-csv"] * len(rows),
        }
    )


def test_an_imported_meter_whose_usual_interval_changes_mid_month(db: psycopg.Connection) -> None:
    """The days without any curve are counted in the month's usual interval: PT30M days joined by more PT10M days
    change the expected count of a day nothing was added to."""
    add_building(db, "gent", "Gent", "Europe/Brussels")
    add_meter(db, "gent", "be_csv", "541448820052377134", "consumption")
    db.commit()
    bm, meter = get_building(db, "gent").month(date(2026, 9, 1)), list_meters(db, "gent")[0]

    def day_rows(first: int, last: int, step: int) -> list[tuple[datetime, int]]:
        start = local_midnight_utc(date(2026, 9, first), BRUSSELS)
        end = local_midnight_utc(date(2026, 9, last) + timedelta(days=1), BRUSSELS)
        return [(start + timedelta(seconds=s), step) for s in range(0, int((end - start).total_seconds()), step)]

    hole: Callable[[tuple[datetime, int]], bool] = lambda r: r[0].astimezone(BRUSSELS).day != 5  # noqa: E731
    half_hours = [r for r in day_rows(1, 10, 1800) if hole(r)]
    expected = "SELECT expected_count FROM daily_consumption WHERE day = '2026-09-05'"
    with db.transaction():
        write_month(db, bm, [meter], _csv_frame(meter.pk, half_hours))
    _build(db, bm, date(2026, 11, 23), readings=False)
    assert db.execute(expected).fetchone() == (48,)
    with db.transaction():
        write_month(db, bm, [meter], _csv_frame(meter.pk, half_hours + day_rows(11, 30, 600)))
    daily, _ = _build(db, bm, date(2026, 11, 23), readings=False)
    assert db.execute(expected).fetchone() == (144,)
    assert daily.written == 20 + 1  # the ten-minute days, and the hole now counted in ten minutes
