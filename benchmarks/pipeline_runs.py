"""Range runs vs one run per partition, and COPY vs executemany for readings, measured in the same process.

Usage: .venv/bin/python benchmarks/pipeline_runs.py [--months 6]
Starts a throwaway PostgreSQL and the sandbox (quota raised so the API is not what is measured), registers one
building, then times: (a) one Dagster run over N months, (b) N single-month runs of the same data (fresh DB state
each time, so both fetch everything), (c) loading the same readings with binary COPY vs executemany INSERT.
"""

from __future__ import annotations

import argparse
import time
import uuid
import warnings
from datetime import date

import dagster as dg
import psycopg

from linky_pipeline.defs.assets.aggregates import daily_consumption, daily_max_power, monthly_consumption
from linky_pipeline.defs.assets.anomalies import consumption_anomalies
from linky_pipeline.defs.assets.ingestion import raw_load_curves
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.sources import EnedisResource, OresResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import next_month
from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.lib.store import migrations
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

REFERENCE = date(2026, 11, 23)
ASSETS = [raw_load_curves, readings, daily_consumption, daily_max_power, monthly_consumption, consumption_anomalies]
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


def run(url: str, sandbox: SandboxServer, first: date, last: date) -> float:
    warehouse = WarehouseResource(database_url=url)
    resources = {
        "warehouse": warehouse,
        "sync_policy": SyncPolicyResource(today=REFERENCE.isoformat()),
        "enedis": EnedisResource(
            base_url=sandbox.url,
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            quota_database_url=url,
            calls_per_second=500,
        ),
        "ores": OresResource(),  # no ORES meter in this benchmark (unconfigured: its meters would fail alone)
    }
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("building", ["bench"])
    began = time.perf_counter()
    result = dg.materialize(
        ASSETS,
        instance=instance,
        resources=resources,
        run_config=QUIET,
        tags=rectangle_tags("bench", "bench", first, last),
    )
    assert result.success
    return time.perf_counter() - began


def copy_vs_executemany(url: str) -> tuple[int, float, float]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT meter_pk, metric, ts, interval_s, kwh, quality, source FROM readings").fetchall()
        conn.execute("CREATE TEMP TABLE r1 (LIKE readings INCLUDING ALL)")
        conn.execute("CREATE TEMP TABLE r2 (LIKE readings INCLUDING ALL)")
        began = time.perf_counter()
        with conn.cursor().copy("COPY r1 FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "timestamptz", "int4", "float8", "text", "text"])
            for row in rows:
                copy.write_row(row)
        copy_s = time.perf_counter() - began
        began = time.perf_counter()
        conn.cursor().executemany("INSERT INTO r2 VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
        many_s = time.perf_counter() - began
    return len(rows), copy_s, many_s


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=6)
    months_n = parser.parse_args().months
    months = [date(2026, 10, 1)]
    while len(months) < months_n:
        months.insert(0, date(months[0].year - (months[0].month == 1), (months[0].month - 2) % 12 + 1, 1))
    with (
        throwaway_cluster() as cluster,
        SandboxServer(settings=SandboxSettings(today=REFERENCE, quota_per_second=10_000)) as sandbox,
    ):
        url = fresh_database(cluster.url())
        one_run = run(url, sandbox, months[0], months[-1])
        url2 = fresh_database(cluster.url())
        per_partition = sum(run(url2, sandbox, m, m) for m in months)
        rows, copy_s, many_s = copy_vs_executemany(url)
    assert next_month(months[-1]) == date(2026, 11, 1)
    print(f"range run, {months_n} months in 1 run:      {one_run:6.1f} s")
    print(f"one run per month, {months_n} runs:          {per_partition:6.1f} s   ratio {per_partition / one_run:.2f}×")
    print(
        f"readings load, {rows} rows: binary COPY {rows / copy_s:,.0f} rows/s, executemany {rows / many_s:,.0f} "
        f"rows/s   ratio {many_s / copy_s:.1f}×"
    )
    print(
        "(in-process runs on an ephemeral instance: a daemon-launched run adds 10-20 s each, see "
        "stack-measurements, which widens the gap)"
    )


if __name__ == "__main__":
    main()
