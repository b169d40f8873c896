"""The daily bi views read the local keys stored with each row (sql/080, sql/081) and return exactly the rows of
the definitions they replaced, which computed those keys per row: whether the rebuild wrote the row (day_start and
peak_at_local stored), another writer left them out, or the row was stored before the migrations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.tables.daily import SQL as DAILY_SQL
from linky_pipeline.lib.tables.max_power import SQL as POWER_SQL

REPLACED = {  # view → the migration holding the definition sql/080 or sql/081 replaced
    "daily_consumption": "002_bi.sql",
    "daily_consumption_by_building": "061_bi_building_filter.sql",
    "daily_max_power": "002_bi.sql",
}
# DST changes in both directions, a leap day, month and year boundaries
DAYS = [date(2024, 2, 29), date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1), date(2024, 10, 27)]
DAYS += [date(2024, 10, 31), date(2024, 12, 31), date(2025, 1, 1)]
BUILDINGS = {"hq": "Europe/Paris", "depot-bxl": "Europe/Brussels"}
# (building, provider, meter id, direction); hq has two consumption meters, summed per day by the building view
METERS = [
    ("hq", "enedis", "22516914714270", "consumption"),
    ("hq", "enedis", "22516914714271", "consumption"),
    ("hq", "enedis", "22516914714270", "production"),
    ("depot-bxl", "enedis", "30000000000001", "consumption"),
]
BARE_INSERT = (
    "INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, "
    "curve_kwh, interval_count, expected_count, completeness, min_interval_kwh, max_interval_kwh, avg_interval_kwh) "
    "VALUES (%(building_code)s, %(meter_pk)s, %(metric)s, %(day)s, %(total_kwh)s, %(source_used)s, %(official_kwh)s, "
    "%(curve_kwh)s, %(interval_count)s, %(expected_count)s, %(completeness)s, %(min_interval_kwh)s, "
    "%(max_interval_kwh)s, %(avg_interval_kwh)s)"
)
BARE_POWER_INSERT = (
    "INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at) "
    "VALUES (%(building_code)s, %(meter_pk)s, %(day)s, %(max_power_va)s, %(peak_at)s)"
)
REBUILD = (DAILY_SQL["write_daily_rows"], POWER_SQL["write_max_power_rows"])  # one row per statement here
BARE = (BARE_INSERT, BARE_POWER_INSERT)


def _registry(db: psycopg.Connection) -> list[tuple[int, str, str]]:
    for code, zone in BUILDINGS.items():
        db.execute("INSERT INTO buildings (code, name, timezone) VALUES (%s, %s, %s)", (code, code.upper(), zone))
    meters = []
    for building, provider, ref, direction in METERS:
        row = db.execute(
            "INSERT INTO meters (building_code, provider, meter_id, direction) VALUES (%s, %s, %s, %s) RETURNING id",
            (building, provider, ref, direction),
        ).fetchone()
        assert row is not None
        meters.append((int(row[0]), building, direction))
    return meters


def _row(meter: tuple[int, str, str], day: date, k: int) -> dict[str, object]:
    pk, building, direction = meter
    none = k % 5 == 0  # a day without data: NULL energies, source none
    kwh = None if none else 10.0 + k / 7
    return {
        "building_code": building,
        "meter_pk": pk,
        "metric": direction,
        "day": day,
        "total_kwh": kwh,
        "source_used": "none" if none else "official",
        "official_kwh": None if none else (0.0 if k % 7 == 0 else kwh),
        "curve_kwh": None if none else 10.5 + k / 9,
        "interval_count": 0 if none else 46 + k % 3,
        "expected_count": 48,
        "completeness": 0.0 if none else min(1.0, (46 + k % 3) / 48),
        "min_interval_kwh": None if none else 0.1,
        "max_interval_kwh": None if none else 0.9,
        "avg_interval_kwh": None if none else 0.4,
    }


def _power_row(meter: tuple[int, str, str], day: date, k: int) -> dict[str, object]:
    pk, building, _ = meter
    peak = datetime.combine(day, time(k % 24, 30), tzinfo=ZoneInfo(BUILDINGS[building]))
    return {"building_code": building, "meter_pk": pk, "day": day, "max_power_va": 3000.0 + k, "peak_at": peak}


def _fill(db: psycopg.Connection, meters: list[tuple[int, str, str]], insert_of: dict[int, tuple[str, str]]) -> None:
    """Daily rows for every meter, max power rows for the consumption meters (as the rebuild writes them)."""
    with db.cursor() as cur:
        for i, meter in enumerate(meters):
            daily, power = insert_of[i]
            shape = _as_rebuild if (daily, power) == REBUILD else list
            cur.executemany(daily, shape(_row(meter, day, i * 31 + j) for j, day in enumerate(DAYS)))
            if meter[2] == "consumption":
                cur.executemany(power, shape(_power_row(meter, day, i * 31 + j) for j, day in enumerate(DAYS)))


def _as_rebuild(rows: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """Rows as the rebuild's one-statement writes take them (one array per column, nothing deleted)."""
    return [{k: [v] for k, v in row.items()} | {"gone_meters": [], "gone_days": []} for row in rows]


def _replaced_views(db: psycopg.Connection) -> None:
    """The definitions sql/080 and sql/081 replaced, as temporary views named old_<view>."""
    for view, filename in REPLACED.items():
        text = (migrations.migrations_dir() / filename).read_text(encoding="utf-8")
        found = re.search(rf"CREATE (?:OR REPLACE )?VIEW bi\.{view} AS(.*?);", text, re.S)
        assert found is not None, (filename, view)
        db.execute(f"CREATE OR REPLACE TEMPORARY VIEW old_{view} AS {found.group(1)}")


def _columns(db: psycopg.Connection, relation: str) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (relation,),
    ).fetchall()


def _assert_same_rows(db: psycopg.Connection, new: str, old: str, where: str = "") -> int:
    """Same columns (names, types, order) and the same multiset of rows."""
    assert _columns(db, new) == _columns(db, old)
    for first, second in ((new, old), (old, new)):
        extra = db.execute(f"SELECT * FROM {first} {where} EXCEPT ALL SELECT * FROM {second} {where}").fetchall()
        assert extra == [], (first, second)
    count = db.execute(f"SELECT count(*) FROM {new} {where}").fetchone()
    assert count is not None
    return int(count[0])


def _assert_views_unchanged(db: psycopg.Connection) -> None:
    _replaced_views(db)
    assert _assert_same_rows(db, "bi.daily_consumption", "old_daily_consumption") == len(METERS) * len(DAYS)
    # hq: two consumption meters per day make one row, so 3 series × the days
    by_building = ("bi.daily_consumption_by_building", "old_daily_consumption_by_building")
    assert _assert_same_rows(db, *by_building) == 3 * len(DAYS)
    # a filter on a stored key (the Grafana time range) selects the same rows as on the computed one
    window = "WHERE building_code = 'hq' AND day_start BETWEEN '2024-03-31' AND '2024-10-31' AND metric = 'consumption'"
    assert _assert_same_rows(db, *by_building, where=window) == 3
    assert _assert_same_rows(db, "bi.daily_consumption", "old_daily_consumption", where=window) == 6
    assert _assert_same_rows(db, *by_building, where="WHERE month_key = '2024-03'") == 2 * 3
    power = ("bi.daily_max_power", "old_daily_max_power")
    assert _assert_same_rows(db, *power) == 3 * len(DAYS)  # the three consumption meters
    assert _assert_same_rows(db, *power, where=window.replace(" AND metric = 'consumption'", "")) == 6


def test_the_rebuild_stores_local_midnight_month_and_month_key(db: psycopg.Connection) -> None:
    meters = _registry(db)
    _fill(db, meters, dict.fromkeys(range(len(meters)), REBUILD))
    for table, count in (("daily_consumption", len(METERS)), ("daily_max_power", 3)):
        rows = db.execute(f"SELECT building_code, day, day_start, month, month_key FROM {table}").fetchall()
        assert len(rows) == count * len(DAYS)
        for building, day, day_start, month, month_key in rows:
            assert day_start == datetime.combine(day, time(0), tzinfo=ZoneInfo(BUILDINGS[building]))
            assert (month, month_key) == (day.replace(day=1), f"{day:%Y-%m}")
    peaks = db.execute("SELECT building_code, peak_at, peak_at_local FROM daily_max_power").fetchall()
    for building, peak_at, peak_at_local in peaks:
        assert peak_at_local == peak_at.astimezone(ZoneInfo(BUILDINGS[building])).replace(tzinfo=None)
        assert peak_at_local.minute == 30
    starts = dict(
        db.execute("SELECT day, day_start FROM daily_consumption WHERE building_code = 'hq' AND metric = 'production'")
    )
    assert starts[date(2024, 4, 1)] - starts[date(2024, 3, 31)] == timedelta(hours=23)  # spring change
    assert starts[date(2024, 10, 28 - 1)] + timedelta(hours=25) == datetime(
        2024, 10, 28, tzinfo=ZoneInfo("Europe/Paris")
    )


def test_views_return_the_replaced_definitions_rows_whoever_wrote_them(db: psycopg.Connection) -> None:
    """Meters 0 and 2 written by the rebuild, 1 and 3 by a writer that leaves day_start NULL: hq's two consumption
    meters then disagree on whether day_start is stored, and their days still form one group each."""
    meters = _registry(db)
    _fill(db, meters, {0: REBUILD, 1: BARE, 2: REBUILD, 3: BARE})
    stored = db.execute("SELECT count(day_start), count(*) FROM daily_consumption").fetchone()
    assert stored == (2 * len(DAYS), 4 * len(DAYS))
    stored = db.execute("SELECT count(day_start), count(peak_at_local), count(*) FROM daily_max_power").fetchone()
    assert stored == (len(DAYS), len(DAYS), 3 * len(DAYS))
    _assert_views_unchanged(db)


@pytest.fixture
def database_before_080(pg_server_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A new database migrated up to the step before 080; the folders of the steps before and of every step."""
    before, every = tmp_path / "before", tmp_path / "every"
    before.mkdir()
    every.mkdir()
    for m in migrations.load_migrations():
        (every / m.filename).write_text(m.sql, encoding="utf-8")
        if m.version < "080":
            (before / m.filename).write_text(m.sql, encoding="utf-8")
    name = f"linky_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = pg_server_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url, before, every
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_rows_stored_before_the_migration_get_their_local_midnight(
    database_before_080: tuple[str, Path, Path],
) -> None:
    url, before, every = database_before_080
    with psycopg.connect(url) as db:
        migrations.upgrade(db, before)
        db.commit()
        meters = _registry(db)
        _fill(db, meters, dict.fromkeys(range(len(meters)), BARE))
        _replaced_views(db)  # the definitions of the moment, for comparison after the upgrade
        before_rows = {view: sorted(db.execute(f"SELECT * FROM old_{view}").fetchall(), key=repr) for view in REPLACED}
        db.commit()
        applied = migrations.upgrade(db, every)
        assert {"080_daily_local_keys.sql", "081_max_power_local_keys.sql"} <= set(applied)
        db.commit()
        for table, count in (("daily_consumption", len(METERS)), ("daily_max_power", 3)):
            rows = db.execute(f"SELECT building_code, day, day_start FROM {table}").fetchall()
            assert len(rows) == count * len(DAYS)
            assert all(s == datetime.combine(d, time(0), tzinfo=ZoneInfo(BUILDINGS[b])) for b, d, s in rows)
        assert db.execute("SELECT count(*) FROM daily_max_power WHERE peak_at_local IS NULL").fetchone() == (0,)
        for view in REPLACED:
            assert sorted(db.execute(f"SELECT * FROM bi.{view}").fetchall(), key=repr) == before_rows[view]
        _assert_views_unchanged(db)


def test_pipeline_rows_carry_their_keys_and_read_as_before(db: psycopg.Connection, run_pipeline) -> None:
    """Through Dagster on sandbox data, across the October DST change, in both zones."""
    add_building(db, "hq", "Siège", "Europe/Paris")
    add_meter(db, "hq", "enedis", "22516914714270", "consumption")
    add_building(db, "depot-bxl", "Dépôt", "Europe/Brussels")
    add_meter(db, "depot-bxl", "enedis", "12655648759651", "consumption")
    add_meter(db, "depot-bxl", "enedis", "12655648759651", "production")
    db.commit()
    assert run_pipeline(["hq", "depot-bxl"], date(2025, 10, 1), date(2025, 10, 1)).success
    for table in ("daily_consumption", "daily_max_power"):
        row = db.execute(f"SELECT count(*), count(day_start) FROM {table}").fetchone()
        assert row is not None and row[0] >= 2 * 31 and row[0] == row[1], table
    assert db.execute("SELECT count(*) FROM daily_max_power WHERE peak_at_local IS NULL").fetchone() == (0,)
    _replaced_views(db)
    for view in REPLACED:
        assert _assert_same_rows(db, f"bi.{view}", f"old_{view}") >= 2 * 31
