"""P1: the readings load path (canonical readings → committed rows) against baselines measured in the same run.

Usage: .venv/bin/python benchmarks/load_path.py [--buildings 1 20] [--months 24]
A throwaway PostgreSQL 18 (or LINKY_DATABASE_URL's server) and, per fleet size, a fresh database with B buildings
of one consumption meter each, 24 months of half-hour readings in canonical form (built before timing). Timed,
each on one connection with one transaction per building-month:
  ours, first load      write_month: pack per local day, COPY into reading_days (no row exists yet)
  ours, unchanged       the same again: compares with the stored days, writes nothing
  ours, one correction  one interval changed per building-month: that day deleted and re-COPied, revision kept
  COPY packed           binary COPY of the same day rows (packed and encoded beforehand, untimed) into a twin of
                        reading_days with the same constraints (PK, FK, CHECKs): the database's own cost
  COPY per interval     binary COPY of one row per interval into the pre-packing readings table (PK, BRIN,
                        CHECK, FK), i.e. the same data in the old layout
  pandas to_sql         DataFrame.to_sql(method=None) of the same rows into the old layout (SQLAlchemy + psycopg)
Rates are readings (intervals) per second; ratios are ours (first load) ÷ baseline.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from datetime import date

import pandas as pd
import psycopg
import sqlalchemy
from synthetic import fleet_frames, fresh_database, months_back, register, server_url

from linky_pipeline.lib.store.db import to_psycopg_url
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.tables import pgbinary as pgb
from linky_pipeline.lib.tables.packing import pack_days
from linky_pipeline.lib.tables.readings import write_month

OLD_LAYOUT = """
CREATE TABLE {name} (
    meter_pk    bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric      text NOT NULL CHECK (metric IN ('consumption', 'production')),
    ts          timestamptz NOT NULL,
    interval_s  integer NOT NULL CHECK (interval_s > 0 AND interval_s <= 86400),
    kwh         double precision NOT NULL CHECK (kwh >= 0 AND kwh < 1e6),
    quality     text NOT NULL,
    source      text NOT NULL,
    PRIMARY KEY (meter_pk, metric, ts)
);
CREATE INDEX {name}_ts_idx ON {name} USING brin (ts);
"""
TWIN_DAYS = """
CREATE TABLE bench_days (LIKE reading_days INCLUDING ALL);
ALTER TABLE bench_days ADD FOREIGN KEY (meter_pk) REFERENCES meters (id) ON DELETE CASCADE;
"""
LAST_MONTH = date(2026, 10, 1)


def timed(fn: Callable[[], None]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def measure(server: str, buildings: int, months: int) -> dict[str, float]:
    with fresh_database(server, "bench_p1") as url, psycopg.connect(url) as conn:
        codes = register(conn, buildings)
        work = fleet_frames(conn, codes, months_back(LAST_MONTH, months))
        readings = sum(len(frame) for _, _, frame in work)
        packed = [  # the COPY stream of each building-month, ready before timing
            pgb.COPY_HEADER + b"".join(day.copy_tuple() for day in pack_days(frame, bm.tz)) + pgb.COPY_TRAILER
            for bm, _, frame in work
        ]
        rows = [list(frame.itertuples(index=False, name=None)) for _, _, frame in work]
        conn.execute(OLD_LAYOUT.format(name="bench_rows"))
        conn.execute(OLD_LAYOUT.format(name="bench_rows_sql"))
        conn.execute(TWIN_DAYS)
        conn.commit()

        def ours() -> None:
            for bm, meters, frame in work:
                with conn.transaction():
                    lock_building_month(conn, bm.building, bm.month)
                    write_month(conn, bm, meters, frame)

        corrected = []
        for bm, meters, frame in work:
            kwh = frame["kwh"].to_numpy(copy=True)
            kwh[len(kwh) // 2] += 0.5
            corrected.append((bm, meters, frame.assign(kwh=kwh)))

        def ours_corrected() -> None:
            for bm, meters, frame in corrected:
                with conn.transaction():
                    lock_building_month(conn, bm.building, bm.month)
                    write_month(conn, bm, meters, frame)

        def copy_packed() -> None:
            for stream in packed:
                with conn.transaction(), conn.cursor().copy("COPY bench_days FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(stream)

        def copy_rows() -> None:
            for batch in rows:
                with conn.transaction(), conn.cursor().copy("COPY bench_rows FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["int8", "text", "timestamptz", "int4", "float8", "text", "text"])
                    for row in batch:
                        copy.write_row(row)

        engine = sqlalchemy.create_engine("postgresql+psycopg://" + to_psycopg_url(url).removeprefix("postgresql://"))

        def to_sql() -> None:
            for _, _, frame in work:
                frame.to_sql("bench_rows_sql", engine, if_exists="append", index=False, method=None)

        results = {
            "ours, first load": timed(ours),
            "ours, unchanged": timed(ours),
            "ours, one correction": timed(ours_corrected),
            "COPY packed": timed(copy_packed),
            "COPY per interval": timed(copy_rows),
            "pandas to_sql": timed(to_sql),
        }
        engine.dispose()
        stored = conn.execute("SELECT count(*) FROM readings").fetchone()
        assert stored == (readings,), stored
        revisions = conn.execute("SELECT count(*) FROM reading_revisions").fetchone()
        assert revisions == (len(work),), revisions
    return {"readings": readings, **results}


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    with server_url() as server:
        for buildings in args.buildings:
            result = measure(server, buildings, args.months)
            n = result.pop("readings")
            ours = result["ours, first load"]
            print(f"\n{buildings} building(s) × {args.months} months, {n:,.0f} readings")
            print(f"  {'path':<22}{'seconds':>9}{'readings/s':>13}{'ours ÷ it':>11}")
            for name, seconds in result.items():
                ratio = "" if name.startswith("ours") else f"{seconds / ours:9.2f}×"
                print(f"  {name:<22}{seconds:9.3f}{n / seconds:13,.0f}  {ratio}")


if __name__ == "__main__":
    pd.options.mode.copy_on_write = True
    main()
