"""Checks and figures that need a real TimescaleDB: a 200-meter building re-materialising an old compressed month,
erasure on compressed data, and the state of the columnstore (bytes per reading, partially compressed chunks).

Usage:
  LINKY_DATABASE_URL=postgresql://…/postgres .venv/bin/python benchmarks/timescale_checks.py [--meters 200]
      A fresh database on that server; a Brussels building with N be_csv meters; one old month (2025-02) imported
      as quarter-hour CSV exports (the product's import path) and materialised by Dagster (readings, daily,
      monthly); every chunk converted to the columnstore; then timed: the same month re-materialised with nothing
      changed, then after a corrected export for every meter, the DELETE forms compared on the compressed data
      (EXPLAIN ANALYZE, rolled back), and the building erased.
  LINKY_DATABASE_URL=postgresql://…/linky .venv/bin/python benchmarks/timescale_checks.py --status [--compress]
      An existing warehouse (e.g. the demo's): with --compress, run the columnstore policy now; then print chunks,
      partially compressed chunks and bytes per reading.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import date, datetime, timedelta

import dagster as dg
import psycopg
from synthetic import fresh_database

from linky_pipeline.defs.assets.aggregates import daily_consumption, monthly_consumption
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.identifiers import gs1_complete
from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.lib.store.erasure import erase_building
from linky_pipeline.lib.store.timescale.server import hypertables, jobs, timescale_state
from linky_pipeline.lib.sync.csv_import import import_csv

MONTH = date(2025, 2, 1)
HEADER = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description"
)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def export(ean: str, seed: int, corrected: bool = False) -> str:
    """A month of quarter-hour offtake for one EAN, as the distributor's portal exports it (February: no DST)."""
    lines = [HEADER]
    start = datetime(MONTH.year, MONTH.month, 1, tzinfo=BRUSSELS)  # wall-clock times (no DST change in February)
    for i in range(28 * 96):
        a, b = start + timedelta(minutes=15 * i), start + timedelta(minutes=15 * (i + 1))
        kwh = 0.05 + ((seed * 7919 + i * 104729) % 400) / 1000 + (0.5 if corrected and i == 1000 else 0)
        lines.append(
            f'{a:%d/%m/%Y};{a:%H:%M:%S};{b:%d/%m/%Y};{b:%H:%M:%S};="{ean}";M{seed};Digital meter;Offtake Day;'
            f"{kwh:.3f}".replace(".", ",")
            + ";kWh;Read;"
        )
    return "\n".join(lines) + "\n"


def chunk_state(conn: psycopg.Connection) -> str:
    (table,) = [t for t in hypertables(conn) if t.name == "reading_days"]
    count = conn.execute("SELECT count(*) FROM readings").fetchone()
    n = int(count[0]) if count else 0
    per = f"{table.bytes_total / n:.1f} B/reading" if n else "no reading"
    return (
        f"{table.chunks} chunks, {table.compressed_chunks} in the columnstore, {table.partial_chunks} partially; "
        f"{n:,} readings, {table.bytes_total / 1e6:.2f} MB, {per}"
    )


def columnstore_share(conn: psycopg.Connection) -> str:
    """Bytes per reading of the chunks in the columnstore alone, and of the others."""
    rows = conn.execute(
        "SELECT c.is_compressed, sum(s.total_bytes), sum((SELECT coalesce(sum(cardinality(d.offset_s)), 0) "
        "FROM reading_days d WHERE d.day >= c.range_start::date AND d.day < c.range_end::date)) "
        "FROM timescaledb_information.chunks c "
        "JOIN chunks_detailed_size('reading_days') s ON s.chunk_name = c.chunk_name "
        "WHERE c.hypertable_name = 'reading_days' GROUP BY 1 ORDER BY 1 DESC"
    ).fetchall()
    parts = [
        f"{'columnstore' if compressed else 'rowstore'}: {int(n):,} readings, {size / n:.1f} B/reading"
        for compressed, size, n in rows
        if n
    ]
    return "; ".join(parts)


def materialise(url: str, code: str) -> tuple[float, dict[str, object]]:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("building", [code])
    resources = {
        "warehouse": WarehouseResource(database_url=url),
        "sync_policy": SyncPolicyResource(today="2026-11-23"),
    }
    began = time.perf_counter()
    result = dg.materialize(
        [readings, daily_consumption, monthly_consumption],
        instance=instance,
        resources=resources,
        tags=rectangle_tags(code, code, MONTH, MONTH),
        run_config=QUIET,
        raise_on_error=False,
    )
    seconds = time.perf_counter() - began
    assert result.success, [e.event_type_value for e in result.all_events if e.is_failure]
    mat = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.to_user_string() == "readings"
    )
    return seconds, {k: v.value for k, v in mat.metadata.items()}


def compress_all(conn: psycopg.Connection) -> int:
    chunks = conn.execute("SELECT show_chunks('reading_days')").fetchall()
    for (chunk,) in chunks:
        conn.execute("CALL convert_to_columnstore(%s::regclass, if_not_columnstore => true)", (str(chunk),))
    return len(chunks)


def delete_forms(conn: psycopg.Connection, code: str) -> None:
    """What each DELETE form does to compressed batches (rolled back)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM meters WHERE building_code = %s", (code,)).fetchall()]
    for label, statement, params in (
        ("meter_pk = ANY(ids)", "DELETE FROM reading_days WHERE meter_pk = ANY(%s)", (ids,)),
        (
            "meter_pk IN (SELECT …)",
            "DELETE FROM reading_days WHERE meter_pk IN (SELECT id FROM meters WHERE building_code = %s)",
            (code,),
        ),
    ):
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0")
            plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, params).fetchall()]
        counters = [line.strip() for line in plan if line.strip().startswith(("Batches", "Tuples"))]
        print(f"  DELETE … WHERE {label:<24} {', '.join(counters) or '(no batch counters)'}")


def full_check(server: str, meters: int) -> None:
    with fresh_database(server, "tsdb_check") as url, psycopg.connect(url) as conn:
        state = timescale_state(conn)
        version = conn.execute("SHOW server_version").fetchone()
        print(f"server: {state.describe(str(version[0]) if version else '')}")
        if not state.active:
            sys.exit("this check needs TimescaleDB (installed and preloaded)")
        code = "tower"
        add_building(conn, code, "Tower", "Europe/Brussels")
        eans = [gs1_complete(f"5414488{i:010d}") for i in range(meters)]
        for ean in eans:
            add_meter(conn, code, "be_csv", ean, "consumption")
        conn.commit()
        began = time.perf_counter()
        for i, ean in enumerate(eans):
            import_csv(conn, code, export(ean, i), ean=ean)
        conn.commit()
        print(f"{meters} meters × {MONTH:%Y-%m} imported in {time.perf_counter() - began:.1f} s")
        seconds, meta = materialise(url, code)
        print(f"first materialisation: {seconds:.1f} s, {meta['rows_written']:,} readings written")
        print(f"  before the columnstore: {chunk_state(conn)}")
        print(f"  converted {compress_all(conn)} chunk(s); after: {chunk_state(conn)}")
        conn.commit()
        seconds, meta = materialise(url, code)
        print(
            f"re-materialised, nothing changed: {seconds:.1f} s, days written {meta['days_written']}, "
            f"unchanged {meta['days_unchanged']}; {chunk_state(conn)}"
        )
        for i, ean in enumerate(eans):
            import_csv(conn, code, export(ean, i, corrected=True), ean=ean)
        conn.commit()
        seconds, meta = materialise(url, code)
        print(
            f"re-materialised after a correction of every meter: {seconds:.1f} s, days written "
            f"{meta['days_written']}, revised intervals {meta['revised_intervals']}, chunks recompressed "
            f"{meta['chunks_recompressed']}; {chunk_state(conn)}"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM reading_days")  # what autovacuum does later: the rewritten batches' space is reused
        conn.autocommit = False
        print(f"  after VACUUM: {chunk_state(conn)}")
        delete_forms(conn, code)
        began = time.perf_counter()
        deleted = erase_building(conn, code, "benchmark")
        conn.commit()
        print(
            f"erased {code} ({sum(deleted.values()):,} rows, {deleted.get('public.reading_days', 0):,} day rows) "
            f"in {time.perf_counter() - began:.2f} s with the default decompression limit lifted locally; "
            f"{chunk_state(conn)}"
        )


def status(url: str, compress: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        print(f"server: {timescale_state(conn).describe()}")
        if compress:
            for job in jobs(conn):
                if job.proc in {"policy_compression", "policy_columnstore"}:
                    conn.execute("CALL run_job(%s)", (job.job_id,))
                    print(f"ran job {job.job_id} ({job.proc})")
        print(chunk_state(conn))
        print(columnstore_share(conn))


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--status", action="store_true")
    parser.add_argument("--compress", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("LINKY_DATABASE_URL")
    if not url:
        sys.exit("set LINKY_DATABASE_URL to a TimescaleDB server")
    if args.status:
        status(url, args.compress)
    else:
        full_check(url, args.meters)


if __name__ == "__main__":
    main()
