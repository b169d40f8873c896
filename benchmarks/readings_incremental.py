"""A steady nightly's readings rebuild: every day of each building-month against only the days whose inputs
changed (issue 16 item 5), same run, same landed answers.

Usage: .venv/bin/python benchmarks/readings_incremental.py [--buildings 300] [--nights 22]

Registers `--buildings` buildings with one Enedis consumption meter each, lands `--nights` nightly answers per
meter the way the nightly does (night n: the trailing 7 days [n-7, n) re-fetched, yesterday's values provisional
and corrected the next night), builds November 2026 once (what the previous nightlies left), then lands the
night of the 23rd and rebuilds every building-month's readings twice, each time as a fresh process would (empty
parse cache):

  (a) baseline: the whole month (every answer overlapping it parsed, every day compared), rolled back;
  (b) incremental: only the days whose inputs changed (lib/tables/reading_inputs.py), committed.

Prints answers parsed and seconds for both, the ratio, and whether (b) stored exactly what (a) stores.
"""

from __future__ import annotations

import time
from datetime import date

import psycopg
from synthetic import fresh_database, register, server_url, steady_nightly_arguments

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter, get_building, list_meters
from linky_pipeline.lib.tables import day_writes, landed, readings
from linky_pipeline_tests.support.nightly_answers import land_night

MONTH = date(2026, 11, 1)
CHECKSUM = (
    "SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s', meter_pk, metric, day, offset_s, interval_s, "
    "energy_mj, quality, source), ';' ORDER BY meter_pk, metric, day)) FROM reading_days"
)


def rebuild_all(
    conn: psycopg.Connection, parts: list[tuple[BuildingMonth, list[Meter]]], whole: bool
) -> tuple[int, float, day_writes.MonthWrite]:
    """Every building-month in its own transaction; `whole`: the month's every answer, then rolled back."""
    landed.PARSED = landed.ParsedAnswers()
    total = day_writes.MonthWrite()
    started = time.monotonic()
    for bm, meters in parts:
        with conn.transaction():
            if whole:
                total.add(readings.write_month(conn, bm, meters, *readings.month_readings(conn, meters, bm)))
                raise psycopg.Rollback
            total.add(readings.rebuild_month(conn, bm, meters))
    return landed.PARSED.parsed, time.monotonic() - started, total


def main() -> None:
    args = steady_nightly_arguments()
    first_night = 23 - args.nights
    with server_url() as server, fresh_database(server, "rdays") as url, psycopg.connect(url) as conn:
        codes = register(conn, args.buildings)
        parts = []
        for code in codes:
            meters = list_meters(conn, code)
            parts.append((get_building(conn, code).month(MONTH), meters))
        pairs = [(m.pk, m.meter_id) for _, meters in parts for m in meters]
        started = time.monotonic()
        for night in range(first_night, 23):
            land_night(conn, pairs, date(2026, 11, night))
        conn.commit()
        landed_s = time.monotonic() - started
        rebuild_all(conn, parts, whole=False)  # what the earlier nightlies left (answers up to the 22nd)
        land_night(conn, pairs, date(2026, 11, 23))
        conn.commit()
        answers = conn.execute("SELECT count(*) FROM raw_load_curves WHERE window_end > %s", (MONTH,)).fetchone()
        whole_parsed, whole_s, whole = rebuild_all(conn, parts, whole=True)
        parsed, seconds, incremental = rebuild_all(conn, parts, whole=False)
        mine = conn.execute(CHECKSUM).fetchone()
        with conn.transaction():
            for bm, meters in parts:
                readings.write_month(conn, bm, meters, *readings.month_readings(conn, meters, bm))
            reference = conn.execute(CHECKSUM).fetchone()
    print(
        f"{args.buildings} buildings × 1 meter, November 2026: nights {first_night}-22 landed in {landed_s:.1f} s "
        f"({answers[0] if answers else 0} answers overlapping the month), the night of the 23rd rebuilt"
    )
    for name, n, s, done in (
        ("whole month", whole_parsed, whole_s, whole),
        ("changed days", parsed, seconds, incremental),
    ):
        print(
            f"  {name:13s} answers parsed {n:6d} ({n / args.buildings:5.1f} per building)  {s:7.2f} s  "
            f"days written {done.days_inserted + done.days_rewritten:5d}  unchanged {done.days_unchanged:5d}  "
            f"revisions {done.revisions}"
        )
    ratio = whole_parsed / max(parsed, 1)
    print(f"  ratio whole/changed: {ratio:.2f}× fewer answers parsed, {whole_s / seconds:.2f}× faster")
    print(f"  reading_days identical to a whole-month rebuild: {mine == reference}")


if __name__ == "__main__":
    main()
