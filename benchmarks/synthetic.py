"""Synthetic fleets for the warehouse benchmarks: buildings with one consumption meter each, half-hour load curves
in canonical form (integer watts, as Enedis sends them), and a database to load them into."""

from __future__ import annotations

import argparse
import contextlib
import os
import uuid
import warnings
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter, add_building, add_meter, get_building, list_meters
from linky_pipeline.lib.store import migrations
from linky_pipeline.local.pgcluster import throwaway_cluster


@contextlib.contextmanager
def server_url() -> Iterator[str]:
    """LINKY_DATABASE_URL's server when set (e.g. a TimescaleDB), else a throwaway local PostgreSQL 18."""
    external = os.environ.get("LINKY_DATABASE_URL")
    if external:
        yield external
        return
    with throwaway_cluster() as cluster:
        yield cluster.url()


@contextlib.contextmanager
def fresh_database(server: str, prefix: str = "bench") -> Iterator[str]:
    """A new database with every migration applied, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url) as conn:
            migrations.upgrade(conn)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def months_back(last: date, count: int) -> list[date]:
    months = [last]
    while len(months) < count:
        months.insert(0, date(months[0].year - (months[0].month == 1), (months[0].month - 2) % 12 + 1, 1))
    return months


def register(conn: psycopg.Connection, buildings: int, meters_per_building: int = 1) -> list[str]:
    codes = [f"bench-{i:05d}" for i in range(buildings)]
    for i, code in enumerate(codes):
        add_building(conn, code, code, "Europe/Paris")
        for j in range(meters_per_building):
            add_meter(conn, code, "enedis", f"{(i * meters_per_building + j):014d}", "consumption")
    conn.commit()
    return codes


def month_frame(bm: BuildingMonth, meters: list[Meter], rng: np.random.Generator) -> pd.DataFrame:
    """Half-hour intervals of the local month for each meter: integer W with a daily shape and noise."""
    starts = pd.date_range(bm.utc_start, bm.utc_end, freq="30min", inclusive="left", tz="UTC")
    hours = starts.tz_convert(bm.tz).hour.to_numpy()
    frames = []
    for meter in meters:
        base = 300 + 900 * np.exp(-((hours - 19) ** 2) / 6) + 400 * np.exp(-((hours - 8) ** 2) / 3)
        watts = np.maximum(0, np.rint(base * rng.uniform(0.6, 1.4, len(starts)))).astype(np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "meter_pk": meter.pk,
                    "metric": "consumption",
                    "ts": starts.astype("datetime64[us, UTC]"),
                    "interval_s": np.int64(1800),
                    "kwh": watts * 1800 / 3_600_000,
                    "quality": "BRUT",
                    "source": "enedis-v2",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def fleet_frames(
    conn: psycopg.Connection, codes: list[str], months: list[date], seed: int = 1
) -> list[tuple[BuildingMonth, list[Meter], pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    out = []
    for code in codes:
        building, meters = get_building(conn, code), list_meters(conn, code)
        for month in months:
            bm = building.month(month)
            out.append((bm, meters, month_frame(bm, meters, rng)))
    return out


def steady_nightly_arguments() -> argparse.Namespace:
    """--buildings and --nights of the steady-nightly benchmarks (readings_incremental.py, daily_incremental.py):
    the night of 2026-11-23 measured after `nights` landed ones."""
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, default=300)
    parser.add_argument("--nights", type=int, default=22, help="nights landed before the measured one (up to 22)")
    return parser.parse_args()
