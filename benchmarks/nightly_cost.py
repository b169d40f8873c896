"""A nightly's cost against what changed (issue 16 item 5): readings rows written per meter by a nightly run, against
the whole-month rewrite the nightly did before (same run, same data).

Usage: .venv/bin/python benchmarks/nightly_cost.py [--meters 50] [--day 23]

Starts a throwaway PostgreSQL and the sandbox (quota lifted: this measures our own cost), registers `--meters`
buildings with one consumption meter each (synthetic sandbox meters), lands and builds their current month as of
day `--day` of November 2026 (the month so far), then:

  (a) the nightly of the next day, as the sync job runs it: the trailing window re-fetched (7 days per meter: the
      days that can still change), and every table of the building-month built while the fetch goes on (the
      MonthChain of lib/tables/pipelined.py); readings write only the days whose values changed;
  (b) baseline, same run, same landed answers: each building-month's readings replaced whole (its stored days
      deleted, then written again), which is what a nightly wrote before readings were written where they changed.

Prints readings rows written per meter, days written and unchanged, and the seconds of the readings step, for both.
"""

from __future__ import annotations

import argparse
import time
import uuid
import warnings
from datetime import date

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import add_building, add_meter, list_meters
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.sync.run import SyncOptions, sync_partitions
from linky_pipeline.lib.tables import day_writes, landed, readings
from linky_pipeline.lib.tables.pipelined import MonthChain, sync_steps
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.meters import METERS, MeterSpec
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

MONTH = date(2026, 11, 1)


def synthetic_prm(n: int) -> str:
    return f"07{n:012d}"


def fresh_database(cluster_url: str, meters: int) -> tuple[str, list[BuildingMonth]]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
        for i in range(meters):
            add_building(conn, f"n{i:04d}", f"n{i:04d}")
            add_meter(conn, f"n{i:04d}", "enedis", synthetic_prm(i), "consumption")
        conn.commit()
    return url, [BuildingMonth(f"n{i:04d}", MONTH, "Europe/Paris") for i in range(meters)]


def sync_and_build(url: str, server: SandboxServer, parts: list[BuildingMonth], reference: date, mode: str) -> float:
    """One run as the sync job does it (tables built while fetching); returns its seconds."""
    server.settings.update({"today": reference.isoformat()})
    policy = SyncPolicy(reference, mode=mode)  # type: ignore[arg-type]
    chain = MonthChain(lambda: psycopg.connect(url), f"{mode}-{reference}", sync_steps(reference))
    began = time.monotonic()
    with EnedisClient(server.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: reference) as api:
        summary = sync_partitions(
            lambda: psycopg.connect(url),
            {"enedis": api},
            parts,
            policy,
            "bench",
            SyncOptions(run_id=f"{mode}-{reference}", on_month_landed=chain),
        )
    chain.close()
    assert not summary.failure and not summary.failures, summary.failure or summary.failures
    return time.monotonic() - began


def readings_written(url: str, run_id: str) -> tuple[day_writes.MonthWrite, int]:
    total = day_writes.MonthWrite()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT details FROM run_builds WHERE run_id = %s AND table_name = 'readings'", (run_id,)
        ).fetchall()
    for (details,) in rows:
        total.add(day_writes.MonthWrite.from_json(details))
    return total, len(rows)


def whole_month_rewrite(url: str, parts: list[BuildingMonth]) -> day_writes.MonthWrite:
    """The nightly's readings as before: every building-month deleted and written again."""
    total = day_writes.MonthWrite()
    with psycopg.connect(url) as conn:
        for bm in parts:
            with conn.transaction():
                lock_building_month(conn, bm.building, bm.month)
                meters = list_meters(conn, bm.building)
                conn.execute(
                    "DELETE FROM reading_days WHERE meter_pk = ANY(%s) AND day >= %s AND day < %s",
                    ([m.pk for m in meters], bm.month, bm.next_month),
                )
                total.add(readings.rebuild_month(conn, bm, meters))
    return total


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=50)
    parser.add_argument("--day", type=int, default=23, help="day of November 2026 the month is built up to")
    args = parser.parse_args()
    for i in range(args.meters):
        METERS[synthetic_prm(i)] = MeterSpec(synthetic_prm(i), "load", scale=0.7 + (i % 9) * 0.1)
    first = date(2026, 11, args.day)
    nightly = date(2026, 11, args.day + 1)
    settings = SandboxSettings(today=first, quota_per_second=10_000, quota_per_hour=10_000_000)
    with throwaway_cluster() as cluster, SandboxServer(settings=settings) as server:
        url, parts = fresh_database(cluster.url(), args.meters)
        setup_s = sync_and_build(url, server, parts, first, "backfill")
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM readings").fetchone()
        stored = int(row[0]) if row else 0
        night_s = sync_and_build(url, server, parts, nightly, "nightly")
        night, months = readings_written(url, f"nightly-{nightly}")
        landed.PARSED = landed.ParsedAnswers()  # (b) parses the answers afresh, as (a) parsed the new ones
        started = time.monotonic()
        before = whole_month_rewrite(url, parts)
        before_s = time.monotonic() - started
    per = args.meters
    print(
        f"{args.meters} meters, November 2026 up to {first} ({stored / per:.0f} readings per meter), set up "
        f"in {setup_s:.1f} s; nightly of {nightly} (trailing 7 days re-fetched), quota lifted"
    )
    print(
        f"(a) nightly, readings written where changed: {night.intervals_written / per:.0f} rows per meter "
        f"({night.days_inserted + night.days_rewritten} day(s) written, {night.days_unchanged} unchanged, "
        f"{night.revisions} revised interval(s) over {months} building-month(s)); readings step {night.seconds:.2f} s; "
        f"whole nightly (fetch + every table) {night_s:.1f} s"
    )
    print(
        f"(b) baseline, month replaced whole: {before.intervals_written / per:.0f} rows per meter "
        f"({before.days_inserted + before.days_rewritten} day(s) written); readings step {before.seconds:.2f} s"
    )
    print(
        f"(a) / (b): rows written {night.intervals_written / before.intervals_written:.3f} ×, readings step time "
        f"{night.seconds / before.seconds:.2f} ×  (wall of (b) with its deletes {before_s:.2f} s)"
    )


if __name__ == "__main__":
    main()
