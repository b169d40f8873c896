"""Dagster's own cost per building-month: one range run on a PostgreSQL-backed instance against the same library
calls made without Dagster, measured in the same process on fresh databases.

Usage: .venv/bin/python benchmarks/dagster_overhead.py [--months 12] [--repeat 2] [--profile out.prof]
Starts a throwaway PostgreSQL (warehouse databases + a Dagster instance database) and the sandbox with its quota
lifted, registers one building, then alternates: (a) the pure library path — the calls the assets make (sync,
each table's rebuild, the checks' findings, the per-partition summaries) on a fresh database; (b) the same months
as one Dagster range run (every asset, every check, per-partition metadata) on another fresh database. Prints
both, the ratio, and (b − a) ÷ months = Dagster's overhead per building-month. With --profile, the Dagster runs
are profiled with cProfile (the stdlib profiler) into that file.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import tempfile
import time
import uuid
import warnings
from datetime import date
from pathlib import Path

import dagster as dg
import psycopg

from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.sources import EnedisResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import next_month
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import add_building, add_meter, building_months, list_meters
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.db import connect, to_dagster_storage_url
from linky_pipeline.lib.sync.run import sync_partitions
from linky_pipeline.lib.tables import anomalies, checks, daily, max_power, monthly, readings, summaries
from linky_pipeline.lib.tables.rebuild import rebuild_partitions
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

REFERENCE = date(2026, 11, 23)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def fresh_database(cluster_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
        add_building(conn, "bench", "Bench")
        add_meter(conn, "bench", "enedis", "22516914714270", "consumption")
    return url


def months_ending_october(n: int) -> list[date]:
    months = [date(2026, 10, 1)]
    while len(months) < n:
        months.insert(0, date(months[0].year - (months[0].month == 1), (months[0].month - 2) % 12 + 1, 1))
    return months


def enedis(sandbox: SandboxServer, url: str) -> EnedisResource:
    return EnedisResource(
        base_url=sandbox.url,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        quota_database_url=url,
        calls_per_second=10_000,
        calls_per_hour=10_000_000,
    )


def pure_library(url: str, sandbox: SandboxServer, months: list[date]) -> float:
    """The assets' calls in the same order, without Dagster."""
    policy = SyncPolicy(reference=REFERENCE, trailing_days=7, mode="backfill", max_concurrency=4)
    resource = enedis(sandbox, url)
    began = time.perf_counter()
    with connect(url) as conn:
        parts: list[BuildingMonth] = building_months(conn, [("bench", m) for m in months])

    def open_conn() -> psycopg.Connection:
        return connect(url)

    sync_partitions(open_conn, {"enedis": resource.client(policy)}, parts, policy, actor="bench")
    rebuild_partitions(open_conn, parts, readings.rebuild_readings)
    with connect(url) as conn:
        for bm in parts:
            checks.readings_findings(conn, bm, list_meters(conn, bm.building))
    rebuild_partitions(open_conn, parts, lambda c, bm, ms: daily.rebuild_daily(c, bm, ms, REFERENCE))
    with connect(url) as conn:
        summaries.daily_by_meter(conn, parts)
        for bm in parts:
            checks.daily_findings(conn, bm, list_meters(conn, bm.building))
    rebuild_partitions(open_conn, parts, max_power.rebuild_max_power)
    with connect(url) as conn:
        summaries.max_power_by_meter(conn, parts)
    rebuild_partitions(open_conn, parts, anomalies.rebuild_anomalies)
    with connect(url) as conn:
        summaries.anomalies_by_month(conn, parts)
    rebuild_partitions(open_conn, parts, monthly.rebuild_monthly)
    with connect(url) as conn:
        summaries.monthly_by_meter(conn, parts)
    elapsed = time.perf_counter() - began
    resource.teardown_after_execution(None)  # type: ignore[arg-type]  # closes the client outside Dagster
    return elapsed


def postgres_instance(cluster: object, home: Path) -> dg.DagsterInstance:
    storage = to_dagster_storage_url(cluster.create_database("dagster_bench"))  # type: ignore[attr-defined]
    (home / "dagster.yaml").write_text(
        f'storage:\n  postgres:\n    postgres_url: "{storage}"\ntelemetry:\n  enabled: false\n', encoding="utf-8"
    )
    return dg.DagsterInstance.from_config(str(home))


def instance_db_counters(cluster_url: str) -> tuple[int, int]:
    """(sessions opened, transactions committed) on the Dagster instance's database so far."""
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = 'dagster_bench'"
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def dagster_run(
    url: str, sandbox: SandboxServer, months: list[date], instance: dg.DagsterInstance, profile: cProfile.Profile | None
) -> float:
    from linky_pipeline.definitions import defs

    assets = [a for a in defs().assets or [] if isinstance(a, dg.AssetsDefinition) and a.is_executable]
    resources = {
        "warehouse": WarehouseResource(database_url=url),
        "sync_policy": SyncPolicyResource(today=REFERENCE.isoformat()),
        "enedis": enedis(sandbox, url),
        "dashboards": DashboardResource(),
    }
    began = time.perf_counter()
    if profile:
        profile.enable()
    result = dg.materialize(
        assets,
        instance=instance,
        resources=resources,
        run_config=QUIET,
        tags=rectangle_tags("bench", "bench", months[0], months[-1]),
    )
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - began
    assert result.success
    return elapsed


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--pool", action="store_true", help="pool the instance's connections before the run starts")
    args = parser.parse_args()
    months = months_ending_october(args.months)
    assert next_month(months[-1]) == date(2026, 11, 1)
    profile = cProfile.Profile() if args.profile else None
    pure_s, dagster_s, events, sessions, commits = [], [], 0, 0, 0
    with (
        throwaway_cluster() as cluster,
        SandboxServer(settings=SandboxSettings(today=REFERENCE, quota_per_second=10_000)) as sandbox,
        tempfile.TemporaryDirectory() as home,
    ):
        instance = postgres_instance(cluster, Path(home))
        if args.pool:
            from linky_pipeline.defs.assets.work import pool_instance_connections

            pool_instance_connections(instance)  # as the run worker does from its first asset on
        instance.add_dynamic_partitions("building", ["bench"])
        pure_library(fresh_database(cluster.url()), sandbox, months)  # warm-up: imports, caches, first connections
        for _ in range(args.repeat):
            pure_s.append(pure_library(fresh_database(cluster.url()), sandbox, months))
            url = fresh_database(cluster.url())
            before = instance_db_counters(cluster.url())
            dagster_s.append(dagster_run(url, sandbox, months, instance, profile))
            time.sleep(0.6)  # statistics reach pg_stat_database within PGSTAT_MIN_INTERVAL (0.5 s)
            after = instance_db_counters(cluster.url())
            sessions, commits = after[0] - before[0], after[1] - before[1]
        with psycopg.connect(cluster.url("dagster_bench")) as conn:
            row = conn.execute("SELECT count(*) FROM event_logs").fetchone()
            events = int(row[0]) if row else 0
        instance.dispose()
    batch = os.environ.get("DAGSTER_EVENT_BATCH_SIZE", "0")
    print(f"1 building × {args.months} months, PostgreSQL-backed instance, DAGSTER_EVENT_BATCH_SIZE={batch}")
    print(f"pure library path:        {', '.join(f'{s:.2f}' for s in pure_s)} s")
    print(f"one Dagster range run:    {', '.join(f'{s:.2f}' for s in dagster_s)} s")
    for label, pick in (("best", min), ("median", statistics.median)):
        pure, dagster = pick(pure_s), pick(dagster_s)
        print(
            f"{label:<7} ratio Dagster / library {dagster / pure:5.2f} ×, Dagster overhead "
            f"{1000 * (dagster - pure) / args.months:5.0f} ms per building-month"
        )
    print(f"events stored per run:    {events // args.repeat}")
    print(f"instance database, last run: {sessions} connections opened, {commits} transactions")
    if profile and args.profile:
        profile.dump_stats(args.profile)
        print(f"profile of the Dagster runs written to {args.profile}")


if __name__ == "__main__":
    main()
