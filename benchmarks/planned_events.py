"""What creating a partitioned range run costs on a PostgreSQL-backed instance: Dagster writes one "materialization
planned" event per asset and partition (the 1 000-building nightly: 9 assets × 1 000 building-months).

Usage: DAGSTER_EVENT_BATCH_SIZE=100 .venv/bin/python benchmarks/planned_events.py [--partitions 1000] [--assets 9]
       [--checks 0] [--repeat 3]

Alternated `--repeat` times on fresh instance databases, after an uncounted warm-up: (a) dagster-postgres's storage
with pooled connections (the planned events written one by one in each batch), (b) the project's storage as
dagster.yaml configures it (`linky_pipeline.instance.storage.PooledPostgresStorage`: a batch of planned events is
one INSERT; a partitioned check's planned rows written from one serialized event). Times `create_run_for_job` (the
run and its planned events; what the daemon does for a scheduled run) and checks that both wrote the same number of
planned events and planned check rows. `--checks N` gives the first N assets a partitioned check each (the nightly
has 9 partitioned checks on its tables; Dagster writes one row per check and partition when it creates the run).
"""

import argparse
import os
import statistics
import tempfile
import time
import uuid
import warnings
from typing import Any

import dagster as dg
from instances import pooled_instance

from linky_pipeline.lib.store.db import to_dagster_storage_url
from linky_pipeline.local.pgcluster import throwaway_cluster

VARIANTS = {"dagster": "(a) dagster-postgres, pooled", "project": "(b) project storage         "}


def make_job(partitions: int, assets: int, checks: int) -> dg.JobDefinition:
    keys = dg.StaticPartitionsDefinition([f"b{i:05d}|2026-11" for i in range(partitions)])

    def table(name: str, checked: bool) -> dg.AssetsDefinition:
        specs = [dg.AssetCheckSpec("sane", asset=name, partitions_def=keys)] if checked else []

        @dg.asset(name=name, partitions_def=keys, backfill_policy=dg.BackfillPolicy.single_run(), check_specs=specs)
        def _table():  # type: ignore[no-untyped-def]  # an annotation would clash with the check's output
            return dg.MaterializeResult()

        return _table

    defs = dg.Definitions(
        assets=[table(f"table_{a}", a < checks) for a in range(assets)],
        jobs=[dg.define_asset_job("nightly", selection="*", partitions_def=keys)],
    )
    return defs.resolve_job_def("nightly")


def one_run(cluster: Any, job: dg.JobDefinition, variant: str, first: str, last: str) -> tuple[float, int, int]:
    storage = to_dagster_storage_url(cluster.create_database(f"dagster_{uuid.uuid4().hex[:8]}"))
    with tempfile.TemporaryDirectory() as home:
        instance = pooled_instance(home, storage, project_storage=variant == "project")
        tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        began = time.perf_counter()
        run = instance.create_run_for_job(job, tags=tags)
        seconds = time.perf_counter() - began
        planned = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=10**7
        )
        storage_conn = instance.event_log_storage.index_connection()  # type: ignore[attr-defined]
        with storage_conn as conn:
            check_rows = conn.exec_driver_sql(
                "SELECT count(*) FROM asset_check_executions WHERE run_id = %s AND execution_status = 'PLANNED'",
                (run.run_id,),
            ).scalar_one()
        instance.dispose()
        return seconds, len(planned.records), int(check_rows)


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--assets", type=int, default=9)
    parser.add_argument("--checks", type=int, default=0, help="assets with a partitioned check (at most --assets)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    job = make_job(args.partitions, args.assets, min(args.checks, args.assets))
    keys = [f"b{i:05d}|2026-11" for i in range(args.partitions)]
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    with throwaway_cluster() as cluster:
        one_run(cluster, job, "dagster", keys[0], keys[-1])  # warm-up: not counted
        for r in range(args.repeat):
            for variant, label in VARIANTS.items():
                seconds, planned, check_rows = one_run(cluster, job, variant, keys[0], keys[-1])
                assert planned == args.partitions * args.assets, planned
                assert check_rows == args.partitions * min(args.checks, args.assets), check_rows
                times[variant].append(seconds)
                print(
                    f"round {r + 1} {label}: run created in {seconds:.2f} s ({planned} planned events, "
                    f"{check_rows} planned check rows)",
                    flush=True,
                )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for variant, values in times.items():
        median = statistics.median(values)
        print(f"{VARIANTS[variant]}: best {min(values):.2f} s, median {median:.2f} s")
    print(f"(b) ÷ (a), medians: {statistics.median(times['project']) / statistics.median(times['dagster']):.2f}")


if __name__ == "__main__":
    main()
