"""Precision and recall of the anomaly detectors against the sandbox's injected anomalies (issue 5, item 6).

Data comes straight from the sandbox's deterministic generator (no HTTP): 36 months of the demo meters'
consumption, as the pipeline would load it (hole days absent, interval starts in UTC, kWh per interval, official
daily energy). The detectors run with their defaults, reading 14 days before the scored span as history, like
the asset reads the weeks before the month it materialises.

A detection matches an injected anomaly on the same meter and local day (day granularity) or the same interval
start (interval granularity). Target: recall >= 0.9 and precision >= 0.8. The usage-alert detectors (subscribed
power, standby, week over week) are scored after, on injected events (benchmarks/usage_quality.py).

    .venv/bin/python benchmarks/anomaly_quality.py [--end YYYY-MM-DD] [--months 36]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.detect import detect_anomalies
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox import METERS, injected_anomalies
from linky_pipeline.sandbox.series import published

sys.path.insert(0, str(Path(__file__).parent))
import usage_quality

DEMO_METERS = ("22516914714270", "42900589957123", "12655648759651")
WARMUP_DAYS = 14


def months_back(end: date, months: int) -> date:
    """First day of the month `months` months before `end`'s month."""
    total = end.year * 12 + (end.month - 1) - months
    return date(total // 12, total % 12 + 1, 1)


def load(prm: str, start: date, end: date, meter_pk: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(daily, readings) frames of local days [start, end) in the detectors' input shape."""
    spec = METERS[prm]
    daily_parts, reading_parts = [], []
    for year in range(start.year, end.year + 1):
        pub = published(prm, "consumption", year)
        days = np.array(pub.grid.days, dtype="datetime64[D]")
        keep_day = (days >= np.datetime64(start)) & (days < np.datetime64(end))
        keep_day &= np.array([not spec.has_hole(d) for d in pub.grid.days])
        daily_parts.append(
            pd.DataFrame(
                {
                    "day": [d for d, k in zip(pub.grid.days, keep_day, strict=True) if k],
                    "total_kwh": pub.daily_wh[keep_day] / 1000.0,
                }
            )
        )
        keep = keep_day[pub.grid.day_index]
        reading_parts.append(
            pd.DataFrame(
                {
                    "ts": pd.to_datetime(pub.grid.start[keep], unit="s", utc=True),
                    "interval_s": pub.grid.interval[keep],
                    "kwh": pub.watts[keep] * pub.grid.interval[keep] / 3600.0 / 1000.0,
                }
            )
        )
    ident: dict[str, str | int] = {"building_code": f"demo-{prm[-4:]}", "meter_pk": meter_pk, "metric": "consumption"}
    daily = pd.concat(daily_parts, ignore_index=True).assign(complete=True, **ident)
    readings = pd.concat(reading_parts, ignore_index=True).assign(**ident)
    return daily, readings


def score(found: set[tuple[object, ...]], truth: set[tuple[object, ...]]) -> tuple[int, int, int, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    return len(truth), len(found), hits, precision, recall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=datetime.now(UTC).astimezone(PARIS).date(),
        help="first local day NOT scored (default: today in Paris)",
    )
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args(argv)
    end: date = args.end
    start = months_back(end, args.months)
    found: dict[str, set[tuple[object, ...]]] = {"day": set(), "interval": set()}
    truth: dict[str, set[tuple[object, ...]]] = {"day": set(), "interval": set()}
    elapsed = 0.0
    points = 0
    for pk, prm in enumerate(DEMO_METERS, start=1):
        daily, readings = load(prm, start - timedelta(days=WARMUP_DAYS), end, pk)
        points += len(readings)
        t0 = time.perf_counter()
        out = detect_anomalies(daily, readings, tz=PARIS, emit_from=start, emit_to=end)
        elapsed += time.perf_counter() - t0
        for granularity, local_day, ts in zip(out["granularity"], out["local_day"], out["ts"], strict=True):
            key = (prm, local_day) if granularity == "day" else (prm, ts.to_pydatetime())
            found[granularity].add(key)
        for a in injected_anomalies(prm, "consumption", start, end):
            truth[a.granularity].add((prm, a.local_day) if a.granularity == "day" else (prm, a.start))
    print(
        f"anomaly quality: {len(DEMO_METERS)} demo meters, consumption, local days {start} .. {end} (exclusive), "
        f"{points} intervals, detection {elapsed:.2f} s"
    )
    print(f"{'granularity':<12} {'injected':>8} {'detected':>8} {'matched':>8} {'precision':>9} {'recall':>7}")
    ok = True
    for granularity in ("day", "interval"):
        n_true, n_found, hits, precision, recall = score(found[granularity], truth[granularity])
        ok &= precision >= 0.8 and recall >= 0.9
        print(f"{granularity:<12} {n_true:>8} {n_found:>8} {hits:>8} {precision:>9.3f} {recall:>7.3f}")
    all_found = found["day"] | found["interval"]
    all_truth = truth["day"] | truth["interval"]
    n_true, n_found, hits, precision, recall = score(all_found, all_truth)
    print(f"{'all':<12} {n_true:>8} {n_found:>8} {hits:>8} {precision:>9.3f} {recall:>7.3f}")
    print("target recall >= 0.9 and precision >= 0.8 per granularity:", "MET" if ok else "NOT MET")
    usage_ok = usage_quality.run(DEMO_METERS, start, end)
    print("target recall >= 0.9 and precision >= 0.8 per usage detector:", "MET" if usage_ok else "NOT MET")
    return 0 if ok and usage_ok else 1


if __name__ == "__main__":
    sys.exit(main())
