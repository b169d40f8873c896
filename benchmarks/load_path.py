"""P1: the readings load path (canonical readings → committed rows) against baselines measured in the same run.

Usage: .venv/bin/python benchmarks/load_path.py [--buildings 1 20] [--months 24] [--meters-per-building 1]
A throwaway PostgreSQL 18 (or LINKY_DATABASE_URL's server) and, per fleet size, a fresh database with B buildings
of one consumption meter each (or more), 24 months of half-hour readings in canonical form (built before timing),
and a first write of another building outside the timings (imports, prepared statements). Timed,
each on one connection with one transaction per building-month:
  ours, first load      write_building (the readings asset's writer): pack per local day, COPY into reading_days
                        (one query per building finds the months without any stored day: those are COPied)
  ours, unchanged       the same again: compares with the stored days, writes nothing
  ours, one correction  one interval changed per building-month: that day deleted and re-COPied, revision kept
  COPY packed (raw)     binary COPY of the same day rows, packed and encoded beforehand (untimed), into a twin of
                        reading_days with the same constraints (PK, FK, CHECKs): the database's own cost
  COPY packed (psycopg) the same day rows as Python values (packed beforehand), through psycopg's binary COPY
                        (copy.write_row with the column types): what a COPY of these rows usually costs
  COPY per interval     binary COPY of one row per interval into the pre-packing readings table (PK, BRIN,
                        CHECK, FK), i.e. the same data in the old layout
  pandas to_sql         DataFrame.to_sql(method=None) of the same rows into the old layout (SQLAlchemy + psycopg)
Each is repeated (--repeats, tables emptied in between; to_sql half as often) and the median is shown. Rates are
readings (intervals) per second; ratios are ours (first load) ÷ baseline, in speed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import date

import pandas as pd
import psycopg
import sqlalchemy
from synthetic import fleet_frames, fresh_database, months_back, register, server_url

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.db import to_psycopg_url
from linky_pipeline.lib.tables import pgbinary as pgb
from linky_pipeline.lib.tables.landed import Answer
from linky_pipeline.lib.tables.packing import pack_days
from linky_pipeline.lib.tables.readings import write_building

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
CREATE TABLE {name} (LIKE reading_days INCLUDING ALL);
ALTER TABLE {name} ADD FOREIGN KEY (meter_pk) REFERENCES meters (id) ON DELETE CASCADE;
"""
LAST_MONTH = date(2026, 10, 1)
Parsed = tuple[pd.DataFrame, list[Answer]]


def timed(fn: Callable[[], None]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def measure(server: str, buildings: int, months: int, meters: int, repeats: int) -> dict[str, float]:
    with fresh_database(server, "bench_p1") as url, psycopg.connect(url) as conn:
        codes = register(conn, buildings + 1, meters)
        warm_up = fleet_frames(conn, codes[-1:], months_back(LAST_MONTH, 2), seed=9)
        work = fleet_frames(conn, codes[:-1], months_back(LAST_MONTH, months))
        readings = sum(len(frame) for _, _, frame in work)
        packed_rows = [  # the same day rows as Python values, for psycopg's own binary COPY
            [
                (
                    d.meter_pk,
                    d.metric,
                    d.day,
                    d.offset_s.tolist(),
                    d.interval_s.tolist(),
                    d.energy_mj.tolist(),
                    d.quality,
                    d.source,
                )
                for d in pack_days(frame, bm.tz)
            ]
            for bm, _, frame in work
        ]
        packed = [  # the COPY stream of each building-month, ready before timing
            pgb.COPY_HEADER + b"".join(day.copy_tuple() for day in pack_days(frame, bm.tz)) + pgb.COPY_TRAILER
            for bm, _, frame in work
        ]
        rows = [list(frame.itertuples(index=False, name=None)) for _, _, frame in work]
        conn.execute(OLD_LAYOUT.format(name="bench_rows"))
        conn.execute(OLD_LAYOUT.format(name="bench_rows_sql"))
        conn.execute(TWIN_DAYS.format(name="bench_days"))
        conn.execute(TWIN_DAYS.format(name="bench_days_psycopg"))
        conn.commit()

        def by_building(items: list[tuple[BuildingMonth, list[Meter], pd.DataFrame]]) -> None:
            """The product's writer (write_building), one building at a time; frames handed out per month."""
            for code in dict.fromkeys(bm.building for bm, _, _ in items):
                mine = [(bm, ms, f) for bm, ms, f in items if bm.building == code]
                frames = {bm: f for bm, _, f in mine}

                def frame_of(bm: BuildingMonth, fs: dict[BuildingMonth, pd.DataFrame] = frames) -> Parsed:
                    return fs[bm], []

                write_building(conn, mine[0][1], [bm for bm, _, _ in mine], frame_of)

        def ours() -> None:
            by_building(work)

        corrected = []
        for bm, building_meters, frame in work:
            kwh = frame["kwh"].to_numpy(copy=True)
            kwh[len(kwh) // 2] += 0.5
            corrected.append((bm, building_meters, frame.assign(kwh=kwh)))

        def ours_corrected() -> None:
            by_building(corrected)

        def copy_packed() -> None:
            for stream in packed:
                with conn.transaction(), conn.cursor().copy("COPY bench_days FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(stream)

        def copy_packed_psycopg() -> None:
            for days in packed_rows:
                with (
                    conn.transaction(),
                    conn.cursor().copy("COPY bench_days_psycopg FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    copy.set_types(["int8", "text", "date", "int4[]", "int4[]", "int8[]", "text[]", "text[]"])
                    for day in days:
                        copy.write_row(day)

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

        def empty(*tables: str) -> None:
            conn.execute(f"TRUNCATE {', '.join(tables)}")
            conn.commit()

        by_building(warm_up)  # first calls (imports, prepared statements) outside the timings
        times: dict[str, list[float]] = {}
        for _ in range(repeats):
            empty("reading_days", "reading_revisions")
            times.setdefault("ours, first load", []).append(timed(ours))
            times.setdefault("ours, unchanged", []).append(timed(ours))
            times.setdefault("ours, one correction", []).append(timed(ours_corrected))
            for name, table, load in (
                ("COPY packed (raw)", "bench_days", copy_packed),
                ("COPY packed (psycopg)", "bench_days_psycopg", copy_packed_psycopg),
                ("COPY per interval", "bench_rows", copy_rows),
            ):
                empty(table)
                times.setdefault(name, []).append(timed(load))
        for _ in range(max(1, repeats // 2)):
            empty("bench_rows_sql")
            times.setdefault("pandas to_sql", []).append(timed(to_sql))
        engine.dispose()
        stored = conn.execute("SELECT count(*) FROM readings").fetchone()
        assert stored == (readings,), stored
        revisions = conn.execute("SELECT count(*) FROM reading_revisions").fetchone()
        assert revisions == (len(work),), revisions  # one interval changed per building-month
        results = {name: statistics.median(values) for name, values in times.items()}
    return {"readings": readings, **results}


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--meters-per-building", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with server_url() as server:
        for buildings in args.buildings:
            result = measure(server, buildings, args.months, args.meters_per_building, args.repeats)
            n = result.pop("readings")
            ours = result["ours, first load"]
            print(
                f"\n{buildings} building(s) × {args.meters_per_building} meter(s) × {args.months} months, "
                f"{n:,.0f} readings"
            )
            print(f"  {'path':<22}{'seconds':>9}{'readings/s':>13}{'ours ÷ it':>11}")
            for name, seconds in result.items():
                ratio = "" if name.startswith("ours") else f"{seconds / ours:9.2f}×"
                print(f"  {name:<22}{seconds:9.3f}{n / seconds:13,.0f}  {ratio}")


if __name__ == "__main__":
    pd.options.mode.copy_on_write = True
    main()
