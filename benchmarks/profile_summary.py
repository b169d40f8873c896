"""Where the time went: py-spy collapsed stacks (`py-spy record -f raw`) summed into a few categories.

Usage: .venv/bin/python benchmarks/profile_summary.py FILE [FILE ...]

py-spy samples the threads it does not see as idle, at 100 Hz: a category's seconds are its samples ÷ 100, summed
over threads, so they can exceed the wall time. A sample whose innermost frame is the limiter's `acquire` (its
sleep until the quota allows the call: py-spy does not count that sleep as idle) or a wait on a condition is
waiting; any other sample goes to the first category (in the order below) one of its frames matches.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

RATE_HZ = 100
WAITING = [  # (name, substrings of the innermost frame)
    ("waiting for the quota (limiter sleep)", ("PostgresRateLimiter.acquire",)),
    ("threads waiting (builder queue, probes)", ("Condition.wait", "Event.wait")),
]
CATEGORIES = [  # (name, substrings of a frame), first match wins
    ("Dagster event storage and run bookkeeping", ("dagster/_core/storage", "dagster/_core/instance")),
    ("parsing answers (JSON → frames)", ("parse_landed", "/enedis/parsing.py", "json/decoder.py")),
    ("packing readings (numpy → COPY)", ("/tables/packing.py", "/tables/pgbinary.py")),
    ("warehouse round trips (psycopg)", ("psycopg/",)),
    ("pandas in the table builders", ("pandas/",)),
    ("HTTP client (httpx)", ("httpx/", "httpcore/")),
    ("the sandbox (same process)", ("/sandbox/",)),
    ("Dagster (other)", ("dagster/",)),
]


def summarize(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        name = next((c for c, keys in WAITING if any(k in leaf for k in keys)), None) or next(
            (c for c, keys in CATEGORIES if any(k in stack for k in keys)), "other Python"
        )
        counts[name] += int(n)
    return counts


def main() -> None:
    for arg in sys.argv[1:]:
        counts = summarize(Path(arg))
        total = sum(counts.values())
        print(f"{arg}: {total / RATE_HZ:.1f} s of active thread time")
        for name, n in counts.most_common():
            print(f"  {name:<45} {n / RATE_HZ:7.1f} s  {n / total:6.1%}")


if __name__ == "__main__":
    main()
