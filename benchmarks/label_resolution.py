"""Parsing week-long v2 load-curve answers with the steady-day label shortcut, against the fold rule for every label.

Usage: .venv/bin/python benchmarks/label_resolution.py [--meters 300] [--repeat 3]

The answers are the fleet sandbox's own bodies (linky_pipeline.sandbox.fleet), one 7-day window per meter: an
ordinary week and the week of the autumn clock change. Each variant parses every answer; the two orders alternate
and the median is kept. The frames must be identical, or the run stops.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis import labels
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.sandbox.fleet import register_fleet
from linky_pipeline.sandbox.metering import ENDPOINTS, MeteringQuery, v2_body

CURVE = "consumption_load_curve"
WEEKS = {"ordinary week": date(2026, 11, 16), "clock-change week": date(2026, 10, 22)}


def fold_rule(label: datetime, interval_s: int, tz: ZoneInfo = PARIS) -> list[datetime]:
    """The resolution before the shortcut: the fold arithmetic for every naive label."""
    if label.tzinfo is not None:
        return [label.astimezone(UTC)]
    return labels.end_candidates_by_folds(label, timedelta(seconds=interval_s), tz)


def parse_all(bodies: list[tuple[str, dict[str, object], tuple[date, date]]]) -> tuple[float, list[pd.DataFrame]]:
    began = time.perf_counter()
    frames = [parse_v2(body, endpoint=CURVE, prm=prm, window=window) for prm, body, window in bodies]
    return time.perf_counter() - began, frames


def timed(
    variant: Callable[..., list[datetime]], bodies: list[tuple[str, dict[str, object], tuple[date, date]]]
) -> tuple[float, list[pd.DataFrame]]:
    saved = labels.end_candidates
    labels.end_candidates = variant  # EndResolver looks the function up in its module at each call
    try:
        return parse_all(bodies)
    finally:
        labels.end_candidates = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--meters", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prms = register_fleet(args.meters)
    print("| week | answers | points | fold rule s | shortcut s | fold / shortcut |")
    print("|---|---|---|---|---|---|")
    for name, first in WEEKS.items():
        window = (first, first + timedelta(days=7))
        bodies = [
            (
                prm,
                v2_body(ENDPOINTS[CURVE], MeteringQuery(prm, *window), [first + timedelta(days=d) for d in range(7)]),
                window,
            )
            for prm in prms
        ]
        old_times: list[float] = []
        new_times: list[float] = []
        reference: list[pd.DataFrame] = []
        shortcut: list[pd.DataFrame] = []
        for round_ in range(args.repeat):
            order = [("old", fold_rule), ("new", labels.end_candidates)]
            for label, variant in order if round_ % 2 == 0 else order[::-1]:
                seconds, frames = timed(variant, bodies)
                (old_times if label == "old" else new_times).append(seconds)
                if label == "old":
                    reference = frames
                else:
                    shortcut = frames
        for a, b in zip(reference, shortcut, strict=True):
            pd.testing.assert_frame_equal(a, b)
        points = sum(len(f) for f in shortcut)
        old, new = statistics.median(old_times), statistics.median(new_times)
        print(f"| {name} | {len(bodies)} | {points} | {old:.2f} | {new:.2f} | {old / new:.2f} × |")


if __name__ == "__main__":
    main()
