"""A steady nightly's daily_consumption and daily_max_power rebuild: the whole month (every answer of their
endpoints parsed, the month deleted and every row inserted one by one) against only the changed days (issue 16
item 5), same run, same landed answers.

Usage: .venv/bin/python benchmarks/daily_incremental.py [--buildings 300] [--nights 22]

Registers `--buildings` buildings with one Enedis consumption meter each, lands `--nights` nightly answers per
meter the way the nightly does (night n: the trailing 7 days [n-7, n) of the load curve, daily energy and max-power
endpoints re-fetched with their fetch state, yesterday's values provisional and corrected the next night), builds
November 2026 once (what the previous nightlies left), then lands the night of the 23rd, rebuilds the readings
(committed, not measured) and rebuilds each building-month's two tables, each time as a fresh builder process
would (empty parse cache), each building-month in its own transaction:

  (a) baseline: the code of 22c09cf (kept below): the month's every answer parsed, its rows deleted and inserted
      with executemany; rolled back;
  (b) incremental: lib/tables/daily.py and max_power.py (only the answers of changed days parsed, only the rows
      that differ written, in one statement per table); committed.

Then the same for a month never built (a backfill: both tables and day_answer_values emptied first): (c) baseline,
(d) new code, both rolled back. Prints answers parsed, seconds, rows written for each, the ratios, and whether (b)
stored exactly what (a) stores.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from synthetic import fresh_database, register, server_url, steady_nightly_arguments

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter, get_building, list_meters
from linky_pipeline.lib.sources.catalog import DAILY_ENDPOINTS, MAX_POWER_ENDPOINT
from linky_pipeline.lib.tables import daily, landed, max_power, readings
from linky_pipeline.lib.tables.month_rows import RowsWrite
from linky_pipeline_tests.support.nightly_answers import land_daily_night

MONTH = date(2026, 11, 1)
REFERENCE = date(2026, 11, 23)
CHECKSUM = (
    "SELECT md5(string_agg(d::text, ';' ORDER BY d.meter_pk, d.day)) FROM daily_consumption d",
    "SELECT md5(string_agg(p::text, ';' ORDER BY p.meter_pk, p.day)) FROM daily_max_power p",
)
# The baseline's statements (22c09cf's lib/tables/sql, one row per INSERT).
OLD_DELETE = "DELETE FROM {} WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s"
OLD_INSERT_DAILY = """
INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, curve_kwh,
                               interval_count, expected_count, completeness, min_interval_kwh, max_interval_kwh,
                               avg_interval_kwh, day_start)
VALUES (%(building_code)s, %(meter_pk)s, %(metric)s, %(day)s, %(total_kwh)s, %(source_used)s, %(official_kwh)s,
        %(curve_kwh)s, %(interval_count)s, %(expected_count)s, %(completeness)s, %(min_interval_kwh)s,
        %(max_interval_kwh)s, %(avg_interval_kwh)s,
        %(day)s::date::timestamp AT TIME ZONE (SELECT timezone FROM buildings WHERE code = %(building_code)s))"""
OLD_INSERT_POWER = """
INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at, day_start, peak_at_local)
SELECT v.building_code, v.meter_pk, v.day, v.max_power_va, v.peak_at, v.day::timestamp AT TIME ZONE b.timezone,
       v.peak_at AT TIME ZONE b.timezone
FROM (VALUES (%(building_code)s::text, %(meter_pk)s::bigint, %(day)s::date, %(max_power_va)s::double precision,
              %(peak_at)s::timestamptz)) AS v (building_code, meter_pk, day, max_power_va, peak_at)
LEFT JOIN buildings b ON b.code = v.building_code"""


def old_daily(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> RowsWrite:
    """22c09cf's rebuild_daily: the official energy of every daily answer, the month deleted, rows one by one."""
    rows: list[dict[str, Any]] = []
    for m in meters:
        official: dict[date, float] = {}
        endpoint = DAILY_ENDPOINTS[m.direction]
        frame = landed.raw_frames(conn, [m], bm, (endpoint,))
        if not frame.empty:
            official = dict(zip(frame["day"], frame["kwh"].astype(float), strict=True))
        rows += daily.daily_rows(conn, bm, m, REFERENCE, official)
    conn.execute(OLD_DELETE.format("daily_consumption"), _window(bm, meters))
    conn.cursor().executemany(OLD_INSERT_DAILY, rows)
    return RowsWrite(rows=len(rows), written=len(rows))


def old_max_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> RowsWrite:
    """22c09cf's rebuild_max_power: every max-power answer parsed, the month deleted, rows one by one."""
    conn.execute(OLD_DELETE.format("daily_max_power"), _window(bm, meters))
    frame = landed.raw_frames(conn, meters, bm, (MAX_POWER_ENDPOINT,))
    frame = frame.drop_duplicates(subset=["meter_pk", "day"], keep="last")
    frame = frame[(frame["day"] >= bm.month) & (frame["day"] < bm.next_month)]
    rows = [
        {"building_code": bm.building, "meter_pk": int(pk), "day": d, "max_power_va": float(va), "peak_at": at}
        for pk, d, va, at in zip(frame["meter_pk"], frame["day"], frame["max_power_va"], frame["peak_at"], strict=True)
    ]
    conn.cursor().executemany(OLD_INSERT_POWER, [r | {"peak_at": r["peak_at"].to_pydatetime()} for r in rows])
    return RowsWrite(rows=len(rows), written=len(rows))


def _window(bm: BuildingMonth, meters: list[Meter]) -> dict[str, Any]:
    return {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month}


Build = Callable[[psycopg.Connection, BuildingMonth, list[Meter]], RowsWrite]
NEW: tuple[Build, Build] = (
    lambda c, bm, m: daily.rebuild_daily(c, bm, m, REFERENCE),
    max_power.rebuild_max_power,
)
OLD: tuple[Build, Build] = (old_daily, old_max_power)


def rebuild_all(
    conn: psycopg.Connection, parts: list[tuple[BuildingMonth, list[Meter]]], builds: tuple[Build, Build], keep: bool
) -> tuple[int, float, RowsWrite]:
    """Both tables of every building-month, each month in its transaction (rolled back unless `keep`)."""
    landed.PARSED = landed.ParsedAnswers()
    total = RowsWrite()
    started = time.monotonic()
    for bm, meters in parts:
        with conn.transaction(force_rollback=not keep):
            for build in builds:
                total.add(build(conn, bm, meters))
    return landed.PARSED.parsed, time.monotonic() - started, total


def main() -> None:
    args = steady_nightly_arguments()
    first_night = 23 - args.nights
    with server_url() as server, fresh_database(server, "ddays") as url, psycopg.connect(url) as conn:
        codes = register(conn, args.buildings)
        parts = [(get_building(conn, code).month(MONTH), list_meters(conn, code)) for code in codes]
        pairs = [(m.pk, m.meter_id) for _, meters in parts for m in meters]
        started = time.monotonic()
        for night in range(first_night, 23):
            land_daily_night(conn, pairs, date(2026, 11, night))
            conn.commit()
        landed_s = time.monotonic() - started
        for bm, meters in parts:  # what the earlier nightlies left (answers up to the 22nd)
            with conn.transaction():
                readings.rebuild_month(conn, bm, meters)
                daily.rebuild_daily(conn, bm, meters, date(2026, 11, 22))
                max_power.rebuild_max_power(conn, bm, meters)
        land_daily_night(conn, pairs, date(2026, 11, 23))
        conn.commit()
        for bm, meters in parts:
            with conn.transaction():
                readings.rebuild_month(conn, bm, meters)
        answers = conn.execute(
            "SELECT count(*) FROM raw_load_curves WHERE window_end > %s AND endpoint <> 'consumption_load_curve'",
            (MONTH,),
        ).fetchone()
        results = {"whole month": rebuild_all(conn, parts, OLD, keep=False)}
        results["changed days"] = rebuild_all(conn, parts, NEW, keep=True)
        mine = [conn.execute(q).fetchone() for q in CHECKSUM]
        with conn.transaction(force_rollback=True):
            rebuild_all(conn, parts, OLD, keep=True)
            reference = [conn.execute(q).fetchone() for q in CHECKSUM]
        with conn.transaction(force_rollback=True):
            conn.execute("DELETE FROM daily_consumption; DELETE FROM daily_max_power; DELETE FROM day_answer_values")
            results["never built, old"] = rebuild_all(conn, parts, OLD, keep=False)
            results["never built, new"] = rebuild_all(conn, parts, NEW, keep=False)
    print(
        f"{args.buildings} buildings × 1 meter, November 2026: nights {first_night}-22 landed in {landed_s:.1f} s "
        f"({answers[0] if answers else 0} daily and max-power answers overlapping the month), the night of the "
        f"23rd rebuilt (daily_consumption + daily_max_power)"
    )
    for name, (n, s, done) in results.items():
        print(
            f"  {name:17s} answers parsed {n:6d} ({n / args.buildings:5.1f} per building)  {s:7.2f} s  "
            f"rows written {done.written:6d}  deleted {done.deleted:4d}  (rows {done.rows})"
        )
    (old_n, old_s, old), (new_n, new_s, new) = results["whole month"], results["changed days"]
    print(
        f"  nightly ratio whole/changed: {old_n / max(new_n, 1):.2f}× fewer answers parsed, {old_s / new_s:.2f}× "
        f"faster, {old.written / max(new.written, 1):.1f}× fewer rows written"
    )
    print(f"  never built: new/old time {results['never built, new'][1] / results['never built, old'][1]:.2f}")
    print(f"  tables identical to a whole-month rebuild: {mine == reference}")


if __name__ == "__main__":
    main()
