"""What a spacing margin in the shared limiter costs and saves at the real 5 calls/s (issue 16 P2, the 429s).

Usage: .venv/bin/python benchmarks/quota_spacing.py [--variants 0:wake 0.02:wake 0:book 0.02:book 0:wake:1]
       [--seconds 60] [--rounds 2] [--cpu-threads 1]

A variant is margin:mode[:GIL switch interval in ms, default Python's 5].

The sandbox enforces Enedis's Q3 strictly (a sliding second: a call arriving < 1 s after the call five before it is
refused with 429); the limiter (PostgresRateLimiter, one row per API in a throwaway PostgreSQL) grants calls
(1 + margin) / 5 s apart on the database's clock, each grant either at the instant the waiting caller wakes up and
asks again ("wake": the time between its slot and its question pushes every later slot back) or booked ahead
("book", `book_ahead_s=2`: a caller told to wait for its spacing gets its slot counted at once and calls when it
comes). Between a grant and the call's arrival at the gateway there is jitter (the commit, the GIL, the HTTP
client), larger under CPU contention: a call overtaking the one five before it by more than the slack is refused,
waits its Retry-After (1 s) and costs another grant. In a process of their own (as a run worker; the sandbox stays
in this one, as in benchmarks/backfill_pipelined.py), four workers (the sync's workers per API) fetch one-week
load-curve windows through the real Enedis client for `--seconds` per variant, variants alternated over `--rounds`
rounds, while `--cpu-threads` threads in the same process run pandas work (what the tables built while fetching do
beside the fetch). Prints, per variant: answered calls per second ÷ 5 (the share
of the quota turned into answers), refused calls, and the answered calls' time ÷ their bound.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import warnings
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

TODAY = date(2026, 11, 23)
RATE = 5.0
PRM = "08000000000000"


def cpu_load(stop: threading.Event) -> None:
    """Pandas work holding the GIL in bursts, like the month builder running beside the fetch."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"k": rng.integers(0, 500, 50_000), "v": rng.random(50_000)})
    while not stop.is_set():
        frame.groupby("k")["v"].agg(["sum", "max", "count"])
        frame.sort_values("v").head(10)


def one_variant(conninfo: str, sandbox_url: str, variant: str, seconds: float, cpu_threads: int) -> None:
    """The client side of one variant, in a process of its own (as a run worker): 4 workers and the pandas load."""
    from linky_pipeline.lib.sources.enedis.client import EnedisClient
    from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter
    from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

    margin, mode, switch_ms = parse_variant(variant)
    sys.setswitchinterval(switch_ms / 1000)
    limiter = PostgresRateLimiter(
        conninfo,
        "enedis:bench",
        RATE,
        1_000_000,
        burst=1,
        margin=margin,
        book_ahead_s=2.0 if mode == "book" else 0.0,
    )
    api = EnedisClient(sandbox_url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, limiter=limiter, today=lambda: TODAY)
    api.fetch(PRM, "daily_consumption", TODAY - timedelta(days=7), TODAY)  # token and version, outside the timing
    stop = threading.Event()
    hogs = [threading.Thread(target=cpu_load, args=(stop,)) for _ in range(cpu_threads)]
    for h in hogs:
        h.start()
    time.sleep(1.1)  # the sandbox's sliding second starts afresh
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        week = offset
        while time.monotonic() < deadline:
            end = TODAY - timedelta(days=7 * (week % 100))
            api.fetch(PRM, "consumption_load_curve", end - timedelta(days=7), end)
            week += 4

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    for h in hogs:
        h.join()
    api.close()
    limiter.close()


def parse_variant(text: str) -> tuple[float, str, float]:
    """ "margin:mode[:switch interval in ms]", e.g. "0.02:book" or "0:wake:1"."""
    margin, mode, *switch = text.split(":")
    if mode not in ("wake", "book"):
        raise SystemExit(f"variant {text!r}: mode must be wake or book")
    return float(margin), mode, float(switch[0]) if switch else 5.0


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", nargs="+", default=["0:wake", "0.02:wake", "0:book", "0.02:book"])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cpu-threads", type=int, default=1)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_variant(args.child[0], args.child[1], args.child[2], args.seconds, args.cpu_threads)
        return

    import psycopg

    from linky_pipeline.lib.store import migrations
    from linky_pipeline.local.pgcluster import throwaway_cluster
    from linky_pipeline.sandbox.meters import METERS, MeterSpec
    from linky_pipeline.sandbox.server import SandboxServer
    from linky_pipeline.sandbox.settings import SandboxSettings

    METERS[PRM] = MeterSpec(PRM, "load", scale=1.0)
    settings = SandboxSettings(today=TODAY, quota_per_second=int(RATE), quota_per_hour=1_000_000)
    log: list[tuple[float, str, int]] = []
    results: dict[str, list[tuple[int, int, float]]] = {v: [] for v in args.variants}
    for v in args.variants:
        parse_variant(v)
    with throwaway_cluster() as cluster, SandboxServer(settings=settings) as server:
        app: Any = server.app
        inner = app.handle

        def handle(method: str, path: str, raw_query: str, headers: Any, body: bytes) -> Any:
            arrived = time.time()
            response = inner(method, path, raw_query, headers, body)
            log.append((arrived, path, response.status))
            return response

        app.handle = handle
        for r in range(args.rounds):
            for v in args.variants:
                url = cluster.create_database(f"spacing_{r}_{abs(hash(v)) % 10**8}")
                with psycopg.connect(url) as conn:
                    migrations.upgrade(conn)
                    conn.commit()
                log.clear()
                child = [sys.executable, __file__, "--child", url, server.url, v]
                child += ["--seconds", str(args.seconds), "--cpu-threads", str(args.cpu_threads)]
                subprocess.run(child, check=True, capture_output=True)
                rows = [x for x in log if "courbe" in x[1]]
                answered = [x[0] for x in rows if x[2] != 429]
                refused = sum(1 for x in rows if x[2] == 429)
                span = max(answered) - min(answered)
                results[v].append((len(answered), refused, span))
                print(
                    f"round {r + 1} {v}: {len(answered)} answered in {span:.1f} s "
                    f"({(len(answered) - 1) / span / RATE:.3f} × the quota), {refused} refused (429)",
                    flush=True,
                )
    print(f"sandbox {RATE:g} calls/s (sliding second, strict); 4 workers; {args.cpu_threads} pandas thread(s) beside")
    for v, runs in results.items():
        margin, mode, switch_ms = parse_variant(v)
        calls = sum(a for a, _, _ in runs)
        refused = sum(f for _, f, _ in runs)
        rate = sum(a - 1 for a, _, _ in runs) / sum(s for _, _, s in runs)
        print(
            f"margin {margin:4.0%}, {'booked ahead' if mode == 'book' else 'at wake-up '}, "
            f"GIL switch {switch_ms:g} ms: "
            f"{rate / RATE:.3f} × the quota answered ({calls} calls, {refused} refused = "
            f"{refused / (calls + refused):.1%}); answered calls take {RATE / rate:.3f} × their bound"
        )


if __name__ == "__main__":
    main()
