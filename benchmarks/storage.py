"""P3: bytes per reading of reading_days against the per-interval layout it replaced, on the same data.

Usage: .venv/bin/python benchmarks/storage.py [--buildings 20] [--months 24]
       LINKY_DATABASE_URL=<a TimescaleDB server> .venv/bin/python benchmarks/storage.py   (adds the compressed sizes)
A fresh database with B buildings of one consumption meter (half-hour curves, integer watts, 24 months), written
through the product's path (write_month) into reading_days, and the same rows COPied into a twin of the old
`readings` table (PK (meter_pk, metric, ts), BRIN on ts, the same columns). Sizes are pg_total_relation_size (heap,
TOAST, free space map, visibility map and indexes) after VACUUM ANALYZE, divided by the number of readings. On
TimescaleDB both become hypertables (reading_days as sql/062 configures it; the old table as 003 did: 30-day chunks,
segment-by meter_pk, metric, order-by ts), every chunk is converted to the columnstore and hypertable_size is
divided again.
"""

from __future__ import annotations

import argparse
import warnings
from datetime import date

import psycopg
from synthetic import fleet_frames, fresh_database, months_back, register, server_url

from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.store.timescale.server import has_columnstore_api, timescale_state
from linky_pipeline.lib.tables.readings import write_month

OLD_LAYOUT = """
CREATE TABLE old_readings (
    meter_pk    bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric      text NOT NULL CHECK (metric IN ('consumption', 'production')),
    ts          timestamptz NOT NULL,
    interval_s  integer NOT NULL CHECK (interval_s > 0 AND interval_s <= 86400),
    kwh         double precision NOT NULL CHECK (kwh >= 0 AND kwh < 1e6),
    quality     text NOT NULL,
    source      text NOT NULL,
    PRIMARY KEY (meter_pk, metric, ts)
);
CREATE INDEX old_readings_ts_idx ON old_readings USING brin (ts)
"""
LAST_MONTH = date(2026, 6, 1)  # old enough for every chunk to be compressible


def _sizes(conn: psycopg.Connection, table: str) -> dict[str, int]:
    row = conn.execute(
        "SELECT pg_relation_size(%(t)s), pg_total_relation_size(%(t)s) - pg_relation_size(%(t)s) "
        "- pg_indexes_size(%(t)s), pg_indexes_size(%(t)s), pg_total_relation_size(%(t)s)",
        {"t": table},
    ).fetchone()
    assert row is not None
    return dict(zip(("heap", "toast+maps", "indexes", "total"), map(int, row), strict=True))


def _compress(conn: psycopg.Connection, table: str) -> int:
    call = "CALL convert_to_columnstore(%s::regclass)" if has_columnstore_api(conn) else "SELECT compress_chunk(%s)"
    for (chunk,) in conn.execute("SELECT show_chunks(%s::regclass)", (table,)).fetchall():
        conn.execute(call, (str(chunk),))
    row = conn.execute("SELECT hypertable_size(%s::regclass)", (table,)).fetchone()
    assert row is not None
    return int(row[0])


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, default=20)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    with server_url() as server, fresh_database(server, "bench_p3") as url, psycopg.connect(url) as conn:
        codes = register(conn, args.buildings)
        work = fleet_frames(conn, codes, months_back(LAST_MONTH, args.months))
        for bm, meters, frame in work:
            with conn.transaction():
                lock_building_month(conn, bm.building, bm.month)
                write_month(conn, bm, meters, frame)
        conn.execute(OLD_LAYOUT)
        conn.execute(
            "INSERT INTO old_readings SELECT meter_pk, metric, ts, interval_s, kwh, quality, source FROM readings "
            "ORDER BY meter_pk, metric, ts"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE reading_days")
        conn.execute("VACUUM ANALYZE old_readings")
        count = conn.execute("SELECT count(*) FROM readings").fetchone()
        assert count is not None
        n = int(count[0])
        days = conn.execute("SELECT count(*) FROM reading_days").fetchone()
        print(
            f"{args.buildings} buildings × {args.months} months: {n:,} readings in {days[0] if days else 0:,} day rows"
        )
        state = timescale_state(conn)
        print(f"server: {state.describe()}")
        if state.active:  # sizes of hypertables are the chunks' (the parent table is empty)
            conn.execute(
                "SELECT create_hypertable('old_readings', by_range('ts', INTERVAL '30 days'), migrate_data => true)"
            )
            new_plain = conn.execute("SELECT hypertable_size('reading_days')").fetchone()
            old_plain = conn.execute("SELECT hypertable_size('old_readings')").fetchone()
            assert new_plain is not None and old_plain is not None
            print(f"  per-interval rows (old layout) : {old_plain[0] / n:6.1f} B/reading (hypertable, uncompressed)")
            print(f"  reading_days                   : {new_plain[0] / n:6.1f} B/reading (hypertable, uncompressed)")
            conn.execute(
                "ALTER TABLE old_readings SET (timescaledb.compress, timescaledb.compress_segmentby = "
                "'meter_pk, metric', timescaledb.compress_orderby = 'ts')"
            )
            old_c, new_c = _compress(conn, "old_readings"), _compress(conn, "reading_days")
            print(f"  per-interval rows, compressed  : {old_c / n:6.1f} B/reading")
            print(f"  reading_days, columnstore      : {new_c / n:6.1f} B/reading")
            return
        for table in ("old_readings", "reading_days"):
            sizes = _sizes(conn, table)
            parts = ", ".join(f"{k} {v / n:.1f}" for k, v in sizes.items() if k != "total")
            print(f"  {table:<14}: {sizes['total'] / n:6.1f} B/reading ({parts})")


if __name__ == "__main__":
    main()
