"""A fleet backfill under the per-API quota, beside the nightly sync, on the sandbox's scaled clock (issue 11 §3).

Usage: .venv/bin/python benchmarks/fleet_backfill.py [--buildings 100] [--fleet 100] [--scale 100] [--runs 2]
                                                     [--nightly-every 2] [--no-priority] [--skip-kill]

Starts a throwaway PostgreSQL (the warehouse and the shared limiters) and the sandbox with the real per-API quota
(5 calls/s, 1 000 calls/h) on a clock `--scale` times faster (a quota hour lasts 3600/scale s, limiter and sandbox
alike), registers `--fleet` buildings already synced (their nightly) and `--buildings` new ones (one consumption
meter each; synthetic sandbox meters), then:

  (a) backfills the new buildings' 36 months as the production setup does (one run per building, `--runs` runs at
      once, each run's calls on per-API workers, every window landed on its own), in a child process, while the
      nightly sync of the fleet runs every `--nightly-every` quota hours (starting 0.1 s after a window opens: a
      Dagster run's start-up at scale 100 is ~10 s). Prints the backfill's time against its quota bound (its calls
      per API ÷ that API's hourly quota, APIs in parallel) and each nightly run's duration and whether it finished
      inside the quota hour it started in;
  (b) the same backfill on a fresh database, killed (SIGKILL) at a random point and resumed by a new process:
      prints what the kill cost (calls made but not landed, windows asked twice) and compares the landing tables
      (raw answers' hashes and every day's fetch state) and a sample of rebuilt readings with (a)'s.

`--no-priority` runs (a) with backfill limiters that ignore the nightly's claims (the baseline the rule is
measured against). The quota-bound part is the landing (what the quota limits); table builds are not in it (at
scale 100, 3 700 building-months of table work would be CPU-bound on 2 cores, while in real time they take ~14
min of a 10.5-hour backfill).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import httpx
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import month_start, next_month
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import add_building, add_meter, list_meters
from linky_pipeline.lib.sources.catalog import history_start
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.quota import shared_quotas
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.sync.priority import claimed_calls
from linky_pipeline.lib.sync.run import SyncOptions, sync_partitions
from linky_pipeline.lib.tables.readings import rebuild_readings
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.meters import METERS, MeterSpec
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

TODAY = date(2026, 11, 23)
PER_HOUR = 1000
WORKERS = 4  # per API and run (SyncPolicy.max_concurrency, the resource's default)


def synthetic_prm(n: int) -> str:
    return f"09{n:012d}"


def add_synthetic_meters(count: int) -> None:
    """Synthetic load meters in the (in-process) sandbox: the registry wants one PRM per meter."""
    for n in range(count):
        prm = synthetic_prm(n)
        METERS[prm] = MeterSpec(prm, "load", scale=0.7 + (n % 9) * 0.1)


def months() -> list[date]:
    out, month = [], month_start(history_start(TODAY))
    while month <= month_start(TODAY):
        out.append(month)
        month = next_month(month)
    return out


def fresh_database(cluster_url: str, fleet: int, backfill: int) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
        for i in range(fleet + backfill):
            code = f"fleet-{i:04d}" if i < fleet else f"new-{i - fleet:04d}"
            add_building(conn, code, code)
            add_meter(conn, code, "enedis", synthetic_prm(i), "consumption")
        conn.commit()
    return url


def backfill_codes(backfill: int) -> list[str]:
    return [f"new-{i:04d}" for i in range(backfill)]


def fleet_codes(fleet: int) -> list[str]:
    return [f"fleet-{i:04d}" for i in range(fleet)]


def backfill_fleet(
    url: str, sandbox_url: str, codes: list[str], runs: int, scale: float, priority: bool, tag: str
) -> None:
    """What Dagster does with the backfill: one run per building, `runs` at once (a child process)."""
    warnings.filterwarnings("ignore")
    book = shared_quotas(
        url, 5, PER_HOUR, time_scale=scale, overrides="token=100000/h", yield_to=claimed_calls if priority else None
    )
    policy = SyncPolicy(TODAY, mode="backfill", max_concurrency=WORKERS)
    with EnedisClient(sandbox_url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, limiter=book, today=lambda: TODAY) as api:

        def one(code: str) -> None:
            parts = [BuildingMonth(code, m, "Europe/Paris") for m in months()]
            options = SyncOptions(run_id=f"{tag}-{code}")
            sync_partitions(lambda: psycopg.connect(url), {"enedis": api}, parts, policy, "bench", options)

        with ThreadPoolExecutor(runs) as pool:
            list(pool.map(one, codes))
    book.close()


@dataclass
class Nightly:
    started: float
    seconds: float
    on_time: bool
    calls: int


def nightly_once(url: str, sandbox_url: str, codes: list[str], scale: float, hour_s: float) -> Nightly:
    book = shared_quotas(url, 5, PER_HOUR, time_scale=scale, overrides="token=100000/h")
    policy = SyncPolicy(TODAY, mode="nightly", max_concurrency=WORKERS)
    parts = [BuildingMonth(c, month_start(TODAY), "Europe/Paris") for c in codes]
    began = time.time()
    with EnedisClient(sandbox_url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, limiter=book, today=lambda: TODAY) as api:
        summary = sync_partitions(lambda: psycopg.connect(url), {"enedis": api}, parts, policy, "bench-nightly")
    book.close()
    ended = time.time()
    assert not summary.failure, summary.failure
    window_end = (began // hour_s + 1) * hour_s
    return Nightly(began, ended - began, ended <= window_end, summary.api_calls)


def wait_for_window(hour_s: float, offset: float = 0.06) -> None:
    time.sleep(hour_s - time.time() % hour_s + offset)


def sandbox_calls(server: SandboxServer, prms: set[str]) -> int:
    by_prm = httpx.get(f"{server.url}/sandbox/stats").json()["calls_by_prm"]
    return sum(n for prm, n in by_prm.items() if prm in prms)


def backfill_calls(url: str, prefix: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT api, sum(api_calls) FROM sync_progress WHERE run_id LIKE %s GROUP BY api", (prefix + "%",)
        ).fetchall()
    return {api: int(n) for api, n in rows}


def landed_digest(url: str, codes: list[str]) -> dict[str, str]:
    """md5 of the landing tables of these buildings, keyed by meter id (pks differ between databases)."""
    queries = {
        "raw_load_curves": "SELECT m.meter_id, r.endpoint, r.window_start, r.window_end, r.http_status, "
        "r.payload_sha256 FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk WHERE m.building_code = ANY(%s)",
        "fetch_state": "SELECT m.meter_id, f.endpoint, f.day, f.status, f.points, f.is_final, f.attempts, "
        "f.next_attempt, f.gave_up FROM fetch_state f JOIN meters m ON m.id = f.meter_pk "
        "WHERE m.building_code = ANY(%s)",
    }
    out = {}
    with psycopg.connect(url) as conn:
        for table, query in queries.items():
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ({query}) t",
                (codes,),
            ).fetchone()
            assert row is not None
            out[table] = f"{row[0]} rows, md5 {row[1]}"
    return out


def readings_digest(url: str, codes: list[str]) -> str:
    with psycopg.connect(url) as conn:
        for code in codes:
            meters = list_meters(conn, code)
            for m in months():
                with conn.transaction():
                    rebuild_readings(conn, BuildingMonth(code, m, "Europe/Paris"), meters)
        row = conn.execute(
            "SELECT count(*), md5(string_agg(concat_ws(',', m.meter_id, r.ts, r.interval_s, r.kwh), '|' "
            "ORDER BY m.meter_id, r.ts)) FROM readings r JOIN meters m ON m.id = r.meter_pk "
            "WHERE m.building_code = ANY(%s)",
            (codes,),
        ).fetchone()
    assert row is not None
    return f"{row[0]} readings, md5 {row[1]}"


def child(target: object, *args: object) -> multiprocessing.process.BaseProcess:
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)  # type: ignore[arg-type]
    process.start()
    return process


def run_with_nightlies(
    args: argparse.Namespace, url: str, server: SandboxServer, hour_s: float
) -> tuple[float, list[Nightly]]:
    codes = backfill_codes(args.buildings)
    wait_for_window(hour_s)
    began = time.time()
    proc = child(backfill_fleet, url, server.url, codes, args.runs, args.scale, not args.no_priority, "bf")
    nightlies: list[Nightly] = []
    next_night = (began // hour_s) * hour_s + hour_s * args.nightly_every + 0.1
    while proc.is_alive():
        proc.join(timeout=0.05)
        if proc.is_alive() and time.time() >= next_night:
            nightlies.append(nightly_once(url, server.url, fleet_codes(args.fleet), args.scale, hour_s))
            next_night += hour_s * args.nightly_every
    assert proc.exitcode == 0, f"backfill process exited with {proc.exitcode}"
    return time.time() - began, nightlies


def killed_and_resumed(
    args: argparse.Namespace, url: str, server: SandboxServer, hour_s: float, bound: float
) -> tuple[float, dict[str, int]]:
    codes = backfill_codes(args.buildings)
    wait_for_window(hour_s)
    began = time.time()
    proc = child(backfill_fleet, url, server.url, codes, args.runs, args.scale, True, "bf")
    while not sum(backfill_calls(url, "bf-").values()) and proc.is_alive():  # the child's start-up is not in it
        time.sleep(0.05)
    time.sleep(random.uniform(0.1, 0.8) * bound)
    kill_after = time.time() - began
    if not proc.is_alive():
        raise SystemExit(f"the backfill finished before its kill point ({kill_after:.1f} s): use more --buildings")
    proc.kill()  # SIGKILL: windows in flight are lost, nothing else
    proc.join()
    before = backfill_calls(url, "bf-")
    resumed = child(backfill_fleet, url, server.url, codes, args.runs, args.scale, True, "resume")
    resumed.join()
    assert resumed.exitcode == 0, f"resumed backfill exited with {resumed.exitcode}"
    return kill_after, before


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, default=100)
    parser.add_argument("--fleet", type=int, default=100)
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=2, help="backfill runs at once (dagster/backfill tag limit)")
    parser.add_argument("--nightly-every", type=float, default=2.0, help="quota hours between nightly runs")
    parser.add_argument("--no-priority", action="store_true", help="backfill limiters ignore nightly claims")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    random.seed(args.seed)
    hour_s = 3600 / args.scale
    add_synthetic_meters(args.fleet + args.buildings)
    settings = SandboxSettings(today=TODAY, quota_per_second=5, quota_per_hour=PER_HOUR, time_scale=args.scale)
    with throwaway_cluster() as cluster, SandboxServer(settings=settings) as server:
        url = fresh_database(cluster.url(), args.fleet, args.buildings)
        setup = nightly_once(url, server.url, fleet_codes(args.fleet), args.scale, hour_s)  # the fleet's month so far
        new_prms = {synthetic_prm(i) for i in range(args.fleet, args.fleet + args.buildings)}
        httpx.post(f"{server.url}/sandbox/stats/reset").raise_for_status()
        elapsed, nightlies = run_with_nightlies(args, url, server, hour_s)
        made_a = sandbox_calls(server, new_prms)
        calls = backfill_calls(url, "bf-")
        bound = max(calls.values()) / PER_HOUR * hour_s
        refused = sum(httpx.get(f"{server.url}/sandbox/quota").json()["refused"].values())
        print(f"time_scale {args.scale:g} (quota hour {hour_s:.1f} s), {PER_HOUR} calls/h and 5 calls/s per API")
        print(f"setup: the fleet's first nightly ({args.fleet} meters, month so far) {setup.calls} calls")
        print(
            f"(a) backfill of {args.buildings} buildings × {len(months())} months, {args.runs} runs at once, "
            f"priority {'off' if args.no_priority else 'on (nightly claims)'}:"
        )
        for api, n in sorted(calls.items()):
            print(f"      {api:<40} {n:6d} calls = {n / PER_HOUR:5.2f} quota hours")
        print(
            f"    {elapsed:.1f} s against a bound of {bound:.1f} s ({bound / hour_s:.2f} quota hours): "
            f"{elapsed / bound:.3f} × the bound; 429s answered {refused}"
        )
        late = [n for n in nightlies if not n.on_time]
        if nightlies:
            durations = [n.seconds / hour_s * 60 for n in nightlies]
            mean_calls = statistics.mean([n.calls for n in nightlies])
            print(
                f"    {len(nightlies)} nightly runs ({args.fleet} meters, {mean_calls:.0f} calls each): "
                f"{len(nightlies) - len(late)} finished inside the quota hour they started in; "
                f"duration {min(durations):.1f}-{max(durations):.1f} quota minutes"
            )
        if args.skip_kill:
            return
        second = fresh_database(cluster.url(), args.fleet, args.buildings)
        httpx.post(f"{server.url}/sandbox/stats/reset").raise_for_status()
        kill_after, before = killed_and_resumed(args, second, server, hour_s, bound)
        lost = sandbox_calls(server, new_prms) - made_a
        codes = backfill_codes(args.buildings)
        ours, theirs = landed_digest(url, codes), landed_digest(second, codes)
        print(
            f"(b) killed (SIGKILL) after {kill_after:.1f} s ({kill_after / bound:.0%} of the bound, "
            f"{sum(before.values())} calls landed before it), resumed by a new process:"
        )
        print(f"    calls beyond the uninterrupted run's (made but not landed: in flight at the kill): {lost}")
        for table in ours:
            same = "identical" if ours[table] == theirs[table] else "DIFFERENT"
            print(f"    {table:<16} {same}: {ours[table]} | {theirs[table]}")
        sample = codes[:3]
        a, b = readings_digest(url, sample), readings_digest(second, sample)
        print(f"    readings of {len(sample)} buildings rebuilt: {'identical' if a == b else 'DIFFERENT'} ({a})")
        print(f"    seed {args.seed}; pid {os.getpid()}")


if __name__ == "__main__":
    main()
