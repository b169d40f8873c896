"""Two runs rebuilding the same building-month at once take turns instead of colliding."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg

from linky_pipeline.lib.domain.registry import get_building, list_meters
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.tables.readings import rebuild_readings

MONTH = date(2026, 9, 1)


def test_concurrent_rebuilds_of_one_month_serialize(db, building, run_pipeline, pg_url) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], MONTH, MONTH).success
    expected = db.execute("SELECT count(*) FROM readings").fetchone()[0]
    db.execute("DELETE FROM reading_days")
    db.commit()

    def rebuild(_: int) -> int:
        with psycopg.connect(pg_url) as conn, conn.transaction():
            lock_building_month(conn, "normal", MONTH)
            return rebuild_readings(conn, get_building(conn, "normal").month(MONTH), list_meters(conn, "normal"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = sorted(pool.map(rebuild, range(8)))
    # One writer found the month empty and wrote it; each later one, after waiting its turn, found it up to date.
    assert written == [0] * 7 + [expected]
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == expected
