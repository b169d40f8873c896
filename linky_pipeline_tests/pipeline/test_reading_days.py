"""reading_days in the database: exact sums through the readings view, nothing rewritten when nothing changed,
the readings view still accepting single-row writes, and daily counts of a day that changes interval length."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import psycopg
import pytest

from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.lib.domain.registry import add_building, add_meter, get_building, list_meters
from linky_pipeline.lib.tables import pgbinary as pgb
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.packing import MJ_PER_KWH
from linky_pipeline.lib.tables.readings import write_building, write_month

MONTH = date(2026, 9, 1)
EAN = "541448820052377134"


def _be_meter(db: psycopg.Connection) -> None:
    add_building(db, "gent", "Gent", "Europe/Brussels")
    add_meter(db, "gent", "be_csv", EAN, "consumption")
    db.commit()


def _frame(db: psycopg.Connection, rows: list[tuple[object, ...]]) -> pd.DataFrame:
    pk = list_meters(db, "gent")[0].pk
    return pd.DataFrame(
        {
            "meter_pk": [pk] * len(rows),
            "metric": ["consumption"] * len(rows),
            "ts": pd.Series([r[0] for r in rows]).astype("datetime64[us, UTC]"),
            "interval_s": [r[1] for r in rows],
            "kwh": [r[2] for r in rows],
            "quality": ["measured"] * len(rows),
            "source": ["be-csv"] * len(rows),
        }
    )


def test_sums_through_the_view_equal_the_original_values_exactly(db: psycopg.Connection) -> None:
    _be_meter(db)
    rng = random.Random(11)
    start = local_midnight_utc(MONTH, BRUSSELS)
    watts = [rng.randint(0, 400_000) for _ in range(30 * 96)]  # integer W over quarter hours, as Enedis sends
    rows = [(start + timedelta(minutes=15 * i), 900, w * 900 / 3_600_000) for i, w in enumerate(watts)]
    bm = get_building(db, "gent").month(MONTH)
    with db.transaction():
        done = write_month(db, bm, list_meters(db, "gent"), _frame(db, rows))
    assert (done.days_inserted, done.intervals_written) == (30, 30 * 96)
    exact_mj = sum(w * 900 * 1000 for w in watts)
    assert db.execute("SELECT sum(e) FROM reading_days, unnest(energy_mj) AS e").fetchone() == (exact_mj,)
    assert [r[0] for r in db.execute("SELECT kwh FROM readings ORDER BY ts").fetchall()] == [r[2] for r in rows]
    span = db.execute("SELECT count(*), min(ts), max(ts) FROM readings").fetchone()
    assert span == (len(rows), rows[0][0], rows[-1][0])
    with db.transaction():
        again = write_month(db, bm, list_meters(db, "gent"), _frame(db, rows))
    assert (again.days_unchanged, again.intervals_written, again.revisions) == (30, 0, 0)
    with db.transaction():
        rebuild_daily(db, bm, list_meters(db, "gent"), date(2026, 11, 23))
    per_day = db.execute("SELECT curve_kwh FROM daily_consumption ORDER BY day").fetchall()
    day_mj = [sum(w * 900 * 1000 for w in watts[d * 96 : (d + 1) * 96]) for d in range(30)]
    assert [r[0] for r in per_day] == [mj / MJ_PER_KWH for mj in day_mj]  # one division of an exact sum


def test_a_day_switching_from_pt30m_to_pt10m_expects_what_it_holds(db: psycopg.Connection) -> None:
    _be_meter(db)
    day = date(2026, 9, 14)
    noon = local_midnight_utc(day, BRUSSELS) + timedelta(hours=12)
    complete = [(noon - timedelta(minutes=30 * (24 - i)), 1800, 0.2) for i in range(24)]
    complete += [(noon + timedelta(minutes=10 * i), 600, 0.05) for i in range(72)]
    holed = complete[:40] + complete[46:]  # one hour of ten-minute intervals missing
    bm = get_building(db, "gent").month(MONTH)
    for rows, expected in ((complete, (96, 96, 1.0)), (holed, (90, 96, 23 / 24))):
        with db.transaction():
            write_month(db, bm, list_meters(db, "gent"), _frame(db, rows))
            rebuild_daily(db, bm, list_meters(db, "gent"), date(2026, 11, 23))
        found = db.execute("SELECT interval_count, expected_count, completeness FROM daily_consumption").fetchone()
        assert found == expected


def test_single_rows_written_through_the_view_are_merged_into_their_day(db: psycopg.Connection) -> None:
    _be_meter(db)
    pk = list_meters(db, "gent")[0].pk
    insert = "INSERT INTO readings VALUES (%s, 'consumption', %s, 900, %s, %s, 'manual')"
    with db.transaction():
        db.execute(insert, (pk, "2026-09-14T10:15Z", 0.25, "BEST"))
        db.execute(insert, (pk, "2026-09-14T10:00Z", 0.5, "BRUT"))
        db.execute(insert, (pk, "2026-09-14T22:00Z", 0.75, "BRUT"))  # 00:00 on the 15th in Brussels
    days = db.execute("SELECT day, offset_s, energy_mj, quality FROM reading_days ORDER BY day").fetchall()
    assert days == [
        (date(2026, 9, 14), [36000, 36900], [1_800_000_000, 900_000_000], ["BRUT", "BEST"]),
        (date(2026, 9, 15), [-7200], [2_700_000_000], ["BRUT"]),
    ]
    with pytest.raises(psycopg.errors.UniqueViolation), db.transaction():
        db.execute(insert, (pk, "2026-09-14T10:00Z", 0.1, "BRUT"))
    with db.transaction():
        db.execute("DELETE FROM readings WHERE ts = '2026-09-14T10:15Z'")
        db.execute("DELETE FROM readings WHERE ts = '2026-09-14T22:00Z'")
    assert db.execute("SELECT day, offset_s, quality FROM reading_days").fetchall() == [
        (date(2026, 9, 14), [36000], ["BRUT"])
    ]


def test_a_rerun_of_unchanged_answers_writes_no_reading(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], MONTH, MONTH).success
    before = db.execute("SELECT day, xmin::text FROM reading_days ORDER BY day").fetchall()
    db.rollback()
    result = run_pipeline(["normal"], MONTH, MONTH, assets=[readings])
    assert result.success
    mat = next(e.materialization for e in result.get_asset_materialization_events())
    assert mat.metadata["rows_written"].value == 0 and mat.metadata["days_unchanged"].value == 30
    assert db.execute("SELECT day, xmin::text FROM reading_days ORDER BY day").fetchall() == before


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        ("'{-7200,0,1800,86399}'::int4[]", (pgb.INT4, [-7200, 0, 1800, 86399])),
        ("'{0,3599999999999999}'::int8[]", (pgb.INT8, [0, 3_599_999_999_999_999])),
        ("ARRAY['BRUT', 'é \"quoted\", {x}']", (pgb.TEXT, ["BRUT", 'é "quoted", {x}'])),
    ],
)
def test_arrays_are_encoded_as_the_server_sends_them(
    db: psycopg.Connection, literal: str, values: tuple[int, list[object]]
) -> None:
    """Stored and computed days compare by a digest of these bytes: they must be the server's own."""
    oid, items = values
    if oid == pgb.TEXT:
        encoded = pgb.text_array([str(v) for v in items])
    else:
        encoded = pgb.int_array(pgb.int_elements(np.array(items), oid), oid)
    assert db.execute(f"SELECT array_send({literal})").fetchone() == (encoded,)


def test_a_month_filled_by_another_writer_meanwhile_is_compared_not_duplicated(
    db: psycopg.Connection, pg_url: str
) -> None:
    """write_building COPies months it saw empty; if another writer stored a day in between, the COPY meets the
    primary key, and the month is written again the comparing way (the other writer's different value becomes a
    revision)."""
    _be_meter(db)
    start = local_midnight_utc(MONTH, BRUSSELS)
    rows = [(start + timedelta(minutes=15 * i), 900, 0.1) for i in range(2 * 96)]
    bm = get_building(db, "gent").month(MONTH)
    meters = list_meters(db, "gent")
    calls: list[int] = []

    def readings_of(month: object) -> tuple[pd.DataFrame, list]:
        calls.append(1)
        if len(calls) == 1:  # between the emptiness check and the COPY, someone stores the 1st with other values
            with psycopg.connect(pg_url) as other:
                other.execute(
                    "INSERT INTO readings VALUES (%s, 'consumption', %s, 900, 0.2, 'BRUT', 'other')",
                    (meters[0].pk, rows[0][0]),
                )
        return _frame(db, rows), []

    done = write_building(db, meters, [bm], readings_of)[bm]
    assert len(calls) == 2
    assert (done.days_inserted, done.days_rewritten, done.revisions) == (1, 1, 1)
    assert db.execute("SELECT count(*), sum(kwh) FROM readings").fetchone() == (2 * 96, pytest.approx(0.1 * 192))
