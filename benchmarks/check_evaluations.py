"""What storing one partitioned check evaluation costs a run worker on a PostgreSQL-backed instance, with and without
the event log remembering that its asset-check table exists, and with the project's storage (issue 16 P2: the
backfill's tail after the last call).

Usage: DAGSTER_EVENT_BATCH_SIZE=100 .venv/bin/python benchmarks/check_evaluations.py [--partitions 370]
       [--checks 4] [--repeat 3]

One asset over `--partitions` partitions with `--checks` partitioned checks (readings has 4 over 370 building-months
in a 10-building × 37-month backfill), one range run that yields one materialization per partition (per-partition
metadata) and one evaluation per check and partition, as the project's table steps do after the fetch. Alternated
`--repeat` times on fresh instance databases in this process, after one uncounted warm-up run: (a) Dagster's
storage as configured (a catalog query for `asset_check_executions` before each evaluation), (b) after
`remember_tables` (defs/assets/work.py), (c) the project's storage as dagster.yaml configures it, tables remembered
as in the run workers (`linky_pipeline.instance.storage`: an evaluation's event and check rows in one transaction,
the event serialized once). All with the pooled instance connections the run workers use. Prints the step's seconds
and ms per event.
"""

import argparse
import statistics
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import dagster as dg
from instances import pooled_instance

from linky_pipeline.defs.assets import work
from linky_pipeline.lib.store.db import to_dagster_storage_url
from linky_pipeline.local.pgcluster import throwaway_cluster


def make_asset(partitions: int, checks: int) -> dg.AssetsDefinition:
    keys = dg.StaticPartitionsDefinition([f"b{i // 37:03d}|m{i % 37:02d}" for i in range(partitions)])
    specs = [dg.AssetCheckSpec(f"check_{c}", asset="table", partitions_def=keys) for c in range(checks)]

    @dg.asset(name="table", partitions_def=keys, check_specs=specs, backfill_policy=dg.BackfillPolicy.single_run())
    def table(context: dg.AssetExecutionContext) -> Iterator[Any]:
        for key in context.partition_keys:
            context.add_asset_metadata({"rows_written": 1488, "window": key}, partition_key=key)
        yield dg.MaterializeResult()
        for spec in specs:
            for key in context.partition_keys:
                yield dg.AssetCheckEvaluation(
                    asset_key=spec.asset_key,
                    check_name=spec.name,
                    passed=True,
                    partition=key,
                    metadata={"bad_rows": 0, "window": key},
                )
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(spec.key))

    return table


VARIANTS = {"a": "(a) Dagster as is   ", "b": "(b) table remembered", "c": "(c) project storage "}


def one_run(cluster: Any, asset: dg.AssetsDefinition, variant: str, first: str, last: str) -> float:
    storage = to_dagster_storage_url(cluster.create_database(f"dagster_{uuid.uuid4().hex[:8]}"))
    with tempfile.TemporaryDirectory() as home:
        instance = pooled_instance(home, storage, project_storage=variant == "c")  # c: as dagster.yaml configures it
        if variant in ("b", "c"):  # the run workers remember their tables
            work.remember_tables(instance.event_log_storage)
        tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        result = dg.materialize(
            [asset], instance=instance, tags=tags, raise_on_error=True,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )  # fmt: skip
        step = instance.get_run_step_stats(result.run_id)[0]
        assert step.start_time is not None and step.end_time is not None
        instance.dispose()
        return step.end_time - step.start_time


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--partitions", type=int, default=370)
    parser.add_argument("--checks", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asset = make_asset(args.partitions, args.checks)
    keys = asset.partitions_def.get_partition_keys()  # type: ignore[union-attr]
    evaluations = args.partitions * args.checks
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with throwaway_cluster() as cluster:
        one_run(cluster, asset, "a", keys[0], keys[-1])  # warm-up (imports, compiled statements): not counted
        for r in range(args.repeat):
            for variant, label in VARIANTS.items():
                seconds = one_run(cluster, asset, variant, keys[0], keys[-1])
                times[variant].append(seconds)
                print(f"round {r + 1} {label}: step {seconds:.2f} s", flush=True)
    print(f"{args.partitions} partitions × {args.checks} partitioned checks = {evaluations} evaluations per run")
    for variant, values in times.items():
        label = VARIANTS[variant]
        best, median = min(values), statistics.median(values)
        print(
            f"{label}: step best {best:.2f} s, median {median:.2f} s; "
            f"{median * 1000 / (evaluations + args.partitions):.2f} ms per event (median)"
        )
    medians = {v: statistics.median(values) for v, values in times.items()}
    print(f"(b) ÷ (a), medians: {medians['b'] / medians['a']:.2f}; (c) ÷ (b): {medians['c'] / medians['b']:.2f}")


if __name__ == "__main__":
    main()
