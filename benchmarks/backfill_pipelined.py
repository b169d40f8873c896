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

The quota bound of a run is max over APIs of the calls the sandbox answered on that API ÷ 5 calls/s (APIs in
parallel; calls refused with 429 and asked again are our overhead, not work the quota carries: the bound counting
them is printed beside it), issue 16's definition: the hourly quota (`--per-hour`, sandbox and limiters alike) is
lifted by default, since 10 buildings make ~1 070 curve calls and a real-time hour boundary would measure the
clock, not the pipeline (the hourly quota's schedule is measured on a scaled clock by benchmarks/fleet_backfill.py).
Prints elapsed ÷ bound for each, and (b)'s gain; per run, the sandbox's requests per path and status and a timeline
(first and last API call, tables built while fetching, each step). With --profile, each run is sampled by py-spy
(every thread) into DIR/<variant>-<n>.txt (collapsed stacks) for "where the time went".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

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
    print(f"RUN_WINDOW {stats.start_time:.3f} {stats.end_time:.3f}")
    for step in instance.get_run_step_stats(result.run_id):
        if step.start_time is not None and step.end_time is not None:
            print(f"STEP {step.step_key} {step.start_time:.3f} {step.end_time:.3f}")
    with psycopg.connect(url) as conn:
        built = conn.execute(
            "SELECT extract(epoch FROM min(built_at)), extract(epoch FROM max(built_at)), count(*) FROM run_builds"
        ).fetchone()
    if built and built[2]:
        print(f"BUILT {float(built[0]):.3f} {float(built[1]):.3f} {built[2]}")
    instance.dispose()


def bound_of(url: str) -> tuple[float, dict[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT api, sum(api_calls) FROM sync_progress GROUP BY api").fetchall()
    calls = {api: int(n) for api, n in rows}
    return max(calls.values()) / RATE, calls


class RequestLog:
    """Every request the sandbox answered (path, meter, window, status, time) for "what the calls were"."""

    def __init__(self, app: object) -> None:
        self.rows: list[tuple[float, str, str, str, str, int]] = []
        self._lock = threading.Lock()
        inner = app.handle  # type: ignore[attr-defined]

        def handle(method: str, path: str, raw_query: str, headers: object, body: bytes) -> object:
            response = inner(method, path, raw_query, headers, body)
            q = dict(parse_qsl(raw_query))
            prm = q.get("usage_point_id") or q.get("pointId") or ""
            start, end = q.get("start") or q.get("dateDebut", ""), q.get("end") or q.get("dateFin", "")
            row = (time.time(), path, prm, start, end, response.status)
            with self._lock:
                self.rows.append(row)
            return response

        app.handle = handle  # type: ignore[attr-defined]

    def take(self) -> list[tuple[float, str, str, str, str, int]]:
        with self._lock:
            rows, self.rows = self.rows, []
        return rows


def describe_calls(rows: list[tuple[float, str, str, str, str, int]]) -> str:
    """Calls per path: answered, 429, other statuses, distinct windows, windows asked more than once (answered)."""
    by_path: dict[str, list[tuple[float, str, str, str, str, int]]] = {}
    for row in rows:
        by_path.setdefault(row[1], []).append(row)
    lines = []
    for path, rs in sorted(by_path.items()):
        status = Counter(r[5] for r in rs)
        answered = Counter((r[2], r[3], r[4]) for r in rs if r[5] != 429)
        again = sum(n - 1 for n in answered.values() if n > 1)
        lines.append(
            f"    {path}: {len(rs)} requests, statuses {dict(sorted(status.items()))}, "
            f"{len(answered)} distinct windows answered, {again} answered again"
        )
    if rows:
        first = min(r[0] for r in rows)
        last = max(r[0] for r in rows)
        lines.append(f"    first request → last request: {last - first:.1f} s")
    return "\n".join(lines)


def timeline(stdout: str, rows: list[tuple[float, str, str, str, str, int]], began: float, ended: float) -> str:
    """Seconds from the process start: the run, its first and last API calls, the tables built while fetching,
    each step (what a run spends before its first call and after its last)."""
    marks: list[tuple[float, str]] = [(0.0, "process start")]
    for line in stdout.splitlines():
        if not line.strip():
            continue
        kind, *rest = line.split()
        if kind == "RUN_WINDOW":
            marks += [(float(rest[0]) - began, "run start"), (float(rest[1]) - began, "run end")]
        elif kind == "STEP":
            marks.append((float(rest[1]) - began, f"step {rest[0]} ({float(rest[2]) - float(rest[1]):.1f} s)"))
        elif kind == "BUILT":
            marks += [(float(rest[0]) - began, "first table built"), (float(rest[1]) - began, "last table built")]
    if rows:
        marks += [
            (min(r[0] for r in rows) - began, "first API call"),
            (max(r[0] for r in rows) - began, "last API call"),
        ]
    marks.append((ended - began, "process end"))
    return "\n".join(f"    {t:7.1f} s  {what}" for t, what in sorted(marks))


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, nargs="+", default=[3, 10])
    parser.add_argument("--per-hour", type=int, default=100_000, help="hourly quota per API (sandbox and client)")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy every run into this folder")
    parser.add_argument("--variants", nargs="+", choices=["a", "b"], default=["a", "b"], help="(a) baseline, (b)")
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
        log = RequestLog(server.app)
        env = {
            **os.environ,
            "LINKY_ENEDIS_CLIENT_ID": SANDBOX_CLIENT_ID,
            "LINKY_ENEDIS_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "DAGSTER_EVENT_BATCH_SIZE": os.environ.get("DAGSTER_EVENT_BATCH_SIZE", "100"),
            "LINKY_ENEDIS_CALLS_PER_HOUR": str(args.per_hour),
        }
        for n in args.buildings:
            for pipelined in [v == "b" for v in args.variants]:
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
                log.take()
                began, began_wall, load_before = time.monotonic(), time.time(), os.getloadavg()[0]
                done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
                elapsed = time.monotonic() - began
                load = f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}"
                rows = log.take()
                label = "(b)" if pipelined else "(a)"
                print(f"{label} {n} building(s) ({load}), the sandbox's requests:", flush=True)
                print(describe_calls(rows), flush=True)
                print(timeline(done.stdout, rows, began_wall, began_wall + elapsed), flush=True)
                run_s = float(next(x for x in done.stdout.splitlines() if x.startswith("RUN_SECONDS")).split()[1])
                counted, calls = bound_of(url)
                answered = Counter(r[1] for r in rows if r[5] != 429 and "/oauth2/" not in r[1])
                refused = sum(1 for r in rows if r[5] == 429)
                bound = max(answered.values()) / RATE
                results.append((n, pipelined, elapsed, run_s, bound, counted, calls, refused))
    print(
        f"sandbox: {RATE:g} calls/s and {args.per_hour} calls/h per API (real time); PostgreSQL-backed Dagster instance"
    )
    print("bound: answered calls on the busiest API ÷ 5 calls/s (calls refused with 429 and asked again excluded)")
    for n, pipelined, elapsed, run_s, bound, counted, calls, refused in results:
        label = "(b) pipelined" if pipelined else "(a) baseline "
        print(
            f"{label} {n:3d} building(s) × 37 months, one run: run {run_s:6.1f} s ({run_s / bound:.3f} × the bound "
            f"{bound:.1f} s; {run_s / counted:.3f} × {counted:.1f} s counting the {refused} refused calls asked "
            f"again); with the run process's start {elapsed:6.1f} s ({elapsed / bound:.2f} ×); calls per API {calls}"
        )
    for n in sorted(set(args.buildings)):
        base = next((r for r in results if r[0] == n and not r[1]), None)
        pipe = next((r for r in results if r[0] == n and r[1]), None)
        if base and pipe:
            print(f"{n} building(s): the pipelined run takes {pipe[3] / base[3]:.2f} × the baseline's time (same run)")


if __name__ == "__main__":
    main()
