"""Per-API quotas on a scaled clock: how close a quota-bound workload gets to its bound, APIs side by side.

Usage: .venv/bin/python benchmarks/quota_scaled.py [--scale 100] [--per-hour 1000] [--hours 1.5] [--threads 3]

Starts a throwaway PostgreSQL (the shared limiter's table) and the sandbox, both with the same `time_scale` and
per-API quota (one quota hour lasts 3600/scale s), then fetches `hours` × `per-hour` one-day windows from each of the
five metering APIs through the real EnedisClient and PostgreSQL limiters, each API with its own `threads` workers:

  (a) baseline: one API alone;
  (b) the five APIs at once (what a fleet backfill does);
  (c) the stack's ceiling: the same client against an unlimited sandbox (calls/s, to choose a scale a benchmark
      can keep up with: the scale must keep the needed rate, apis × per_hour × scale / 3600, below it).

Runs start just after a quota window opens. The bound of a run is max over APIs of calls ÷ per_hour quota hours
(APIs in parallel); the script prints elapsed ÷ bound, the parallel speed-up (five APIs' work ÷ one API's time), the
429s the sandbox answered, and the windows used against the fewest possible. A run is quota-bound when it uses the
fewest windows, every one but the last full (the last is done at the stack's speed, so elapsed can be under the
bound).
"""

from __future__ import annotations

import argparse
import time
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import psycopg

from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.quota import METERING_APIS, shared_quotas
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.store import migrations
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

TODAY = date(2026, 11, 23)
PRMS = {
    "consumption": ("22516914714270", "12345678901234", "99999999999991"),
    "production": ("10284856584123", "24880057139941", "12655648759651"),
}
DAYS_BACK = 700  # inside the 24-month curve horizon; requests repeat after PRMs × DAYS_BACK calls
DIRECTION = {
    "consumption_load_curve": "consumption",
    "daily_consumption": "consumption",
    "daily_consumption_max_power": "consumption",
    "production_load_curve": "production",
    "daily_production": "production",
}


@dataclass(frozen=True)
class Outcome:
    elapsed_s: float
    calls: dict[str, int]
    refused: int
    windows: dict[str, dict[str, int]]


def jobs(api: str, count: int) -> list[tuple[str, date]]:
    """`count` one-day requests of one API (PRM × day, newest days first, inside the curve horizon)."""
    prms = PRMS[DIRECTION[api]]
    return [(prms[i % len(prms)], TODAY - timedelta(days=1 + (i // len(prms)) % DAYS_BACK)) for i in range(count)]


def fresh_database(cluster_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
    return url


@contextmanager
def sandbox(scale: float, per_hour: int) -> Iterator[SandboxServer]:
    settings = SandboxSettings(today=TODAY, quota_per_second=5, quota_per_hour=per_hour, time_scale=scale)
    with SandboxServer(settings=settings) as server:
        yield server


def fetch_all(
    server: SandboxServer, quotas: QuotaBook | None, work: dict[str, int], threads: int, hour_s: float
) -> Outcome:
    """Every API's requests on its own `threads` workers (a worker blocked on one API's hour never holds another),
    started at the beginning of a quota window so that runs compare."""
    pools = {api: ThreadPoolExecutor(threads, thread_name_prefix=api) for api in work}
    with EnedisClient(server.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, limiter=quotas, today=lambda: TODAY) as api:
        api.fetch("22516914714270", "daily_consumption", TODAY - timedelta(days=1), TODAY)  # token before the clock
        httpx.post(f"{server.url}/sandbox/stats/reset")
        time.sleep(hour_s - time.time() % hour_s + 0.06)  # just after a window boundary (and the limiter's edge)
        began = time.monotonic()
        futures = [
            pools[name].submit(api.fetch, prm, name, day, day + timedelta(days=1))
            for name, count in work.items()
            for prm, day in jobs(name, count)
        ]
        results = [f.result() for f in futures]
        elapsed = time.monotonic() - began
    for pool in pools.values():
        pool.shutdown()
    assert all(r.windows for r in results)
    report = httpx.get(f"{server.url}/sandbox/quota").json()
    stats = httpx.get(f"{server.url}/sandbox/stats").json()
    calls = {name: sum(n for p, n in stats["calls"].items() if name_of(p) == name) for name in work}
    return Outcome(elapsed, calls, sum(report["refused"].values()), report["calls_per_window"])


def name_of(path: str) -> str:
    from linky_pipeline.sandbox.metering import V2_PATHS

    return V2_PATHS.get(path, path)


def fill(windows: dict[str, int], per_hour: int) -> str:
    """Windows used against the fewest possible, and how full all but the last were."""
    counts = [n for _, n in sorted(windows.items(), key=lambda kv: int(kv[0]))]
    fewest = -(-sum(counts) // per_hour)
    full = counts[:-1]
    filled = f", all but the last {min(full)}..{max(full)} of {per_hour}" if full else ""
    return f"{len(counts)} window(s) used, fewest possible {fewest}{filled}"


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=100.0, help="time_scale: a quota hour lasts 3600/scale s")
    parser.add_argument("--per-hour", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=1.5, help="quota hours of work per API")
    parser.add_argument("--threads", type=int, default=3, help="workers per API")
    args = parser.parse_args()
    hour_s = 3600 / args.scale
    per_api = int(args.hours * args.per_hour)
    with throwaway_cluster() as cluster:
        url = fresh_database(cluster.url())

        def quotas() -> QuotaBook:
            return shared_quotas(url, 5, args.per_hour, time_scale=args.scale, overrides="token=100000/h")

        with sandbox(args.scale, args.per_hour) as server:
            book = quotas()
            alone = fetch_all(server, book, {"consumption_load_curve": per_api}, args.threads, hour_s)
            book.close()
        with sandbox(args.scale, args.per_hour) as server:
            book = quotas()
            five = fetch_all(server, book, dict.fromkeys(METERING_APIS, per_api), args.threads, hour_s)
            book.close()
        with sandbox(1.0, 10**9) as server:
            server.settings.update({"quota_per_second": 10**6})
            ceiling = fetch_all(server, None, dict.fromkeys(METERING_APIS, 300), args.threads, 0.1)

    bound = per_api / args.per_hour * hour_s  # calls ÷ hourly quota, APIs in parallel
    print(f"time_scale {args.scale:g} (quota hour = {hour_s:.1f} s), {args.per_hour} calls/h and 5 calls/s per API")
    print(
        f"work: {per_api} one-day calls per API = {per_api / args.per_hour:.2f} quota hours, quota bound {bound:.1f} s"
    )
    print(
        f"(a) one API alone:       {alone.elapsed_s:6.1f} s   {alone.elapsed_s / bound:.3f}× bound   "
        f"429s {alone.refused}   {fill(alone.windows['consumption_load_curve'], args.per_hour)}"
    )
    print(
        f"(b) five APIs at once:   {five.elapsed_s:6.1f} s   {five.elapsed_s / bound:.3f}× bound   "
        f"429s {five.refused}   {sum(five.calls.values())} calls; five APIs' work in "
        f"{five.elapsed_s / alone.elapsed_s:.2f}× one API's time "
        f"(speed-up {5 * alone.elapsed_s / five.elapsed_s:.2f}× over one shared quota)"
    )
    for name in METERING_APIS:
        print(f"      {name:<28} {fill(five.windows.get(name, {}), args.per_hour)}")
    total = sum(ceiling.calls.values())
    rate = total / ceiling.elapsed_s
    print(
        f"(c) ceiling, no quota:   {total} calls in {ceiling.elapsed_s:.1f} s = {rate:.0f} calls/s with "
        f"{args.threads} workers per API; five APIs at {args.per_hour}/h need "
        f"{5 * args.per_hour * args.scale / 3600:.0f} calls/s at this scale, so scales up to about "
        f"{rate * 3600 / (5 * args.per_hour):.0f} stay quota-bound"
    )


if __name__ == "__main__":
    main()
