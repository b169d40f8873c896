"""A 36-month backfill at the real quota (5 calls/s per API), fetching and processing overlapped or not (issue 16 P2).

Usage: DAGSTER_EVENT_BATCH_SIZE=100 .venv/bin/python benchmarks/backfill_pipelined.py [--buildings 3 10]
       [--per-hour 100000] [--profile DIR]

Starts a throwaway PostgreSQL (warehouse databases + a PostgreSQL-backed Dagster instance, the production setup)
and the sandbox with the real per-API quota (5 calls/s, 1 000 calls/h, real time), registers N buildings (one
consumption meter each, synthetic sandbox meters), then runs the `linky_sync` job of the code location over
N buildings × 37 months as one range run, twice on fresh databases:

  (a) baseline: `LINKY_SYNC_BUILD_WHILE_FETCHING=0`, the tables are built by their assets after the fetch;
  (b) pipelined (the default): each building-month's tables are built as soon as its windows have landed, while
      later months are fetched; the table assets then report them.

The quota bound of a run is max over APIs of its calls on that API ÷ 5 calls/s (APIs in parallel), issue 16's
definition: the hourly quota (`--per-hour`, sandbox and limiters alike) is lifted by default, since 10 buildings
make ~1 070 curve calls and a real-time hour boundary would measure the clock, not the pipeline (the hourly
quota's schedule is measured on a scaled clock by benchmarks/fleet_backfill.py). Prints elapsed ÷ bound for
each, and (b)'s gain. With --profile, each run is sampled by py-spy (every thread) into DIR/<variant>-<n>.txt
(collapsed stacks) for "where the time went".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from datetime import date
from pathlib import Path

import psycopg

TODAY = date(2026, 11, 23)
RATE = 5.0


def synthetic_prm(n: int) -> str:
    return f"08{n:012d}"


def fresh_database(cluster_url: str, buildings: int) -> str:
    from linky_pipeline.lib.domain.registry import add_building, add_meter
    from linky_pipeline.lib.store import migrations

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
        for i in range(buildings):
            add_building(conn, f"b{i:03d}", f"Building {i}")
            add_meter(conn, f"b{i:03d}", "enedis", synthetic_prm(i), "consumption")
        conn.commit()
    return url


def one_run(url: str, instance_home: str, sandbox_url: str, buildings: int, pipelined: bool) -> None:
    """The job as the daemon would run it (resources from the environment), in this process."""
    import dagster as dg

    from linky_pipeline.defs.automation.runs import history_months, rectangle_tags

    os.environ.update(
        {
            "LINKY_DATABASE_URL": url,
            "LINKY_ENEDIS_API_BASE": sandbox_url,
            "LINKY_SYNC_TODAY": TODAY.isoformat(),
            "LINKY_SYNC_BUILD_WHILE_FETCHING": "1" if pipelined else "0",
        }
    )
    from linky_pipeline.definitions import defs

    job = defs().resolve_job_def("linky_sync")
    first, last = history_months(TODAY)
    codes = [f"b{i:03d}" for i in range(buildings)]
    instance = dg.DagsterInstance.from_config(instance_home)
    instance.add_dynamic_partitions("building", codes)
    tags = {**rectangle_tags(codes[0], codes[-1], first, last), "linky/mode": "backfill"}
    result = job.execute_in_process(
        instance=instance, tags=tags, run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    )
    assert result.success
    stats = instance.get_run_stats(result.run_id)
    assert stats.start_time is not None and stats.end_time is not None
    print(f"RUN_SECONDS {stats.end_time - stats.start_time:.3f}")
    instance.dispose()


def bound_of(url: str) -> tuple[float, dict[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT api, sum(api_calls) FROM sync_progress GROUP BY api").fetchall()
    calls = {api: int(n) for api, n in rows}
    return max(calls.values()) / RATE, calls


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, nargs="+", default=[3, 10])
    parser.add_argument("--per-hour", type=int, default=100_000, help="hourly quota per API (sandbox and client)")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy every run into this folder")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one run in a fresh process (as the daemon launches runs), optionally under py-spy
        url, home, sandbox_url, n, pipelined = args.child
        one_run(url, home, sandbox_url, int(n), pipelined == "1")
        return

    from linky_pipeline.lib.store.db import to_dagster_storage_url
    from linky_pipeline.local.pgcluster import throwaway_cluster
    from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
    from linky_pipeline.sandbox.meters import METERS, MeterSpec
    from linky_pipeline.sandbox.server import SandboxServer
    from linky_pipeline.sandbox.settings import SandboxSettings

    for i in range(max(args.buildings)):
        METERS[synthetic_prm(i)] = MeterSpec(synthetic_prm(i), "load", scale=0.8 + (i % 5) * 0.1)
    settings = SandboxSettings(today=TODAY, quota_per_second=int(RATE), quota_per_hour=args.per_hour)
    results = []
    with throwaway_cluster() as cluster, SandboxServer(settings=settings) as server, tempfile.TemporaryDirectory() as d:
        env = {
            **os.environ,
            "LINKY_ENEDIS_CLIENT_ID": SANDBOX_CLIENT_ID,
            "LINKY_ENEDIS_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "DAGSTER_EVENT_BATCH_SIZE": os.environ.get("DAGSTER_EVENT_BATCH_SIZE", "100"),
            "LINKY_ENEDIS_CALLS_PER_HOUR": str(args.per_hour),
        }
        for n in args.buildings:
            for pipelined in (False, True):
                home = Path(d) / f"home-{n}-{int(pipelined)}"
                home.mkdir()
                storage = to_dagster_storage_url(cluster.create_database(f"dagster_{n}_{int(pipelined)}"))
                (home / "dagster.yaml").write_text(
                    f'storage:\n  postgres:\n    postgres_url: "{storage}"\ntelemetry:\n  enabled: false\n',
                    encoding="utf-8",
                )
                url = fresh_database(cluster.url(), n)
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    str(home),
                    server.url,
                    str(n),
                    "1" if pipelined else "0",
                ]
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    out = args.profile / f"{'pipelined' if pipelined else 'baseline'}-{n}.txt"
                    py_spy = str(Path(sys.executable).with_name("py-spy"))  # the venv's (dev group)
                    command = [py_spy, "record", "-r", "100", "-f", "raw", "-o", str(out), "--", *command]
                time.sleep(1.1)  # the sandbox's per-second quota starts afresh
                began = time.monotonic()
                done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
                elapsed = time.monotonic() - began
                run_s = float(next(x for x in done.stdout.splitlines() if x.startswith("RUN_SECONDS")).split()[1])
                bound, calls = bound_of(url)
                results.append((n, pipelined, elapsed, run_s, bound, calls))
    print(
        f"sandbox: {RATE:g} calls/s and {args.per_hour} calls/h per API (real time); PostgreSQL-backed Dagster instance"
    )
    for n, pipelined, elapsed, run_s, bound, calls in results:
        label = "(b) pipelined" if pipelined else "(a) baseline "
        print(
            f"{label} {n:3d} building(s) × 37 months, one run: run {run_s:6.1f} s ({run_s / bound:.2f} × the bound "
            f"{bound:.1f} s: {max(calls.values())} calls on the busiest API); with the run process's start "
            f"{elapsed:6.1f} s ({elapsed / bound:.2f} ×)"
        )
    for n in args.buildings:
        base = next(r for r in results if r[0] == n and not r[1])
        pipe = next(r for r in results if r[0] == n and r[1])
        print(f"{n} building(s): the pipelined run takes {pipe[3] / base[3]:.2f} × the baseline's time (same run)")


if __name__ == "__main__":
    main()
