"""What one building-month's anomaly and usage-alert rebuild costs (issue 16, detection CPU).

Usage: .venv/bin/python benchmarks/detection_cost.py [--buildings 8] [--repeats 5]

Starts a throwaway PostgreSQL (or uses LINKY_DATABASE_URL's server), registers `--buildings` buildings with one
consumption meter each, loads four months of synthetic half-hour readings (July–October 2026, so October holds the
fall-back day) with events injected so every detector has something to find (a doubled day, a spike, a raised
night base load, a heavier week), daily_consumption from those readings and a subscribed power of 3 kVA. Then
times `rebuild_anomalies` and `rebuild_usage_alerts` on September and October of every building, `--repeats`
times, each building-month in its own transaction as the assets run them.

Prints per building-month: wall ms and this process's CPU ms (the database's own time is not in the CPU figure),
rows written, and a digest of both tables' rows, so two runs (e.g. this script with PYTHONPATH pointing at another
checkout) can be compared: same digest = same anomalies and alerts, ids, severities and messages included.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import psycopg
from synthetic import fleet_frames, fresh_database, months_back, register, server_url

import linky_pipeline
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.tables.anomalies import rebuild_anomalies
from linky_pipeline.lib.tables.readings import write_building
from linky_pipeline.lib.tables.usage_alerts import rebuild_usage_alerts

LAST_MONTH = date(2026, 10, 1)
Rebuild = Callable[[psycopg.Connection, BuildingMonth, list[Meter]], int]

DAILY_FROM_READINGS = """
INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh,
                               curve_kwh, interval_count, expected_count, completeness, min_interval_kwh,
                               max_interval_kwh, avg_interval_kwh, day_start)
SELECT m.building_code, r.meter_pk, r.metric, (r.ts AT TIME ZONE 'Europe/Paris')::date, sum(r.kwh), 'curve', NULL,
       sum(r.kwh), count(*), count(*), 1.0, min(r.kwh), max(r.kwh), avg(r.kwh),
       (r.ts AT TIME ZONE 'Europe/Paris')::date::timestamp AT TIME ZONE 'Europe/Paris'
FROM readings r JOIN meters m ON m.id = r.meter_pk
GROUP BY 1, 2, 3, 4
"""


def inject(frame: pd.DataFrame, bm: BuildingMonth, rng: np.random.Generator) -> pd.DataFrame:
    """Events on random local days of the month: a doubled day, one spiked interval, a raised night, a heavy week."""
    frame = frame.copy()
    local = frame["ts"].dt.tz_convert(bm.tz)
    day_of_month = local.dt.day.to_numpy()
    hour = local.dt.hour.to_numpy()
    doubled, spiked, night, week = (int(d) for d in rng.integers(2, 27, size=4))
    frame.loc[day_of_month == doubled, "kwh"] *= 2.0
    spike = np.flatnonzero((day_of_month == spiked) & (hour == 14))
    frame.loc[frame.index[spike[:1]], "kwh"] += 1.5
    frame.loc[(day_of_month >= night) & (hour < 6), "kwh"] += 0.15
    frame.loc[(day_of_month >= week) & (day_of_month < week + 7), "kwh"] *= 1.6
    return frame


def load(conn: psycopg.Connection, buildings: int) -> list[tuple[BuildingMonth, list[Meter]]]:
    codes = register(conn, buildings)
    work = fleet_frames(conn, codes, months_back(LAST_MONTH, 4))
    rng = np.random.default_rng(7)
    frames = {bm: inject(frame, bm, rng) if bm.month >= date(2026, 8, 1) else frame for bm, _, frame in work}
    for code in codes:
        mine = [(bm, meters) for bm, meters, _ in work if bm.building == code]
        write_building(conn, mine[0][1], [bm for bm, _ in mine], lambda bm: (frames[bm], []))
    with conn.transaction():
        conn.execute(DAILY_FROM_READINGS)
        conn.execute("UPDATE meters SET subscribed_kva = 3")
    return [(bm, meters) for bm, meters, _ in work if bm.month >= date(2026, 9, 1)]


def timed(
    conn: psycopg.Connection, todo: list[tuple[BuildingMonth, list[Meter]]], rebuild: Rebuild
) -> tuple[float, float, int]:
    rows = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for bm, meters in todo:
        with conn.transaction():
            lock_building_month(conn, bm.building, bm.month)
            rows += rebuild(conn, bm, meters)
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def digest(conn: psycopg.Connection, table: str, key: str) -> tuple[int, str]:
    rows = conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
    return len(rows), hashlib.md5(repr(rows).encode(), usedforsecurity=False).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"code: {os.path.dirname(os.path.dirname(linky_pipeline.__file__))}   load average: {os.getloadavg()}")
    with server_url() as server, fresh_database(server, "bench_detect") as url, psycopg.connect(url) as conn:
        todo = load(conn, args.buildings)
        for name, rebuild, table, key in (
            ("rebuild_anomalies", rebuild_anomalies, "consumption_anomalies", "anomaly_id"),
            ("rebuild_usage_alerts", rebuild_usage_alerts, "usage_alerts", "alert_id"),
        ):
            timed(conn, todo[:2], rebuild)  # warm-up: imports, prepared statements, SQL files read
            runs = [timed(conn, todo, rebuild) for _ in range(args.repeats)]
            wall = min(r[0] for r in runs) / len(todo) * 1000
            cpu = min(r[1] for r in runs) / len(todo) * 1000
            count, sha = digest(conn, table, key)
            print(
                f"{name:22s} {len(todo)} building-months x {args.repeats}: best {wall:6.1f} ms wall, {cpu:6.1f} ms "
                f"CPU per building-month; rows {runs[-1][2]}; {table}: {count} rows, digest {sha}"
            )


if __name__ == "__main__":
    main()
