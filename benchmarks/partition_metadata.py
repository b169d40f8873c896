"""Per-partition metadata of one range run over N buildings × 1 month, as the assets record it, against Dagster's
`add_asset_metadata(partition_key=...)`, on a PostgreSQL-backed instance, in the same process.

Usage: .venv/bin/python benchmarks/partition_metadata.py [--buildings 100 300 1000] [--repeat 2]

For each size, N buildings are added as partitions of a fresh instance; then, alternating, two range runs of a
probe asset on the project's building × month partitions: (a) `defs/assets/work.record` for each building-month
(the run's keys read once, then a set lookup), (b) `context.add_asset_metadata(..., partition_key=key)` for each,
which resolves the run's whole range again on every call. Prints the time the metadata loop took inside the asset
(best of the repeats), per call, and the ratio; then checks that a sample of partitions got their own metadata.
"""

import argparse
import os
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from linky_pipeline.defs.assets import work
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.partitions import BUILDING_PARTITIONS, building_month_partitions, parse_partition_key
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.store.db import to_dagster_storage_url
from linky_pipeline.local.pgcluster import throwaway_cluster

MONTH = date(2026, 11, 1)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
LOOP_S: dict[str, float] = {}


def probe(variant: str) -> dg.AssetsDefinition:
    @dg.asset(name=f"probe_{variant}", partitions_def=building_month_partitions)
    def _probe(context: dg.AssetExecutionContext) -> work.Materialized:
        work.pool_instance_connections(context.instance)  # what run_partitions does first
        keys = work.remember_targets(context)
        began = time.perf_counter()
        for key in keys:
            building, month = parse_partition_key(key)
            bm = BuildingMonth(building, month, "Europe/Paris")
            values = {"building_index": int(building.removeprefix("b")), "rows_written": 48}
            if variant == "record":
                work.record(context, bm, values)
            else:
                context.add_asset_metadata({**work.window_metadata(bm), **values}, partition_key=key)
        LOOP_S[variant] = time.perf_counter() - began
        return dg.MaterializeResult()

    return _probe


def postgres_instance(cluster: Any, name: str, home: Path) -> dg.DagsterInstance:
    storage = to_dagster_storage_url(cluster.create_database(name))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        f'storage:\n  postgres:\n    postgres_url: "{storage}"\ntelemetry:\n  enabled: false\n', encoding="utf-8"
    )
    return dg.DagsterInstance.from_config(str(home))


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--buildings", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "100")  # the project's instance setting
    assets = {variant: probe(variant) for variant in ("record", "add_asset_metadata")}
    defs = dg.Definitions(
        assets=list(assets.values()),
        jobs=[dg.define_asset_job(f"job_{v}", selection=[a.key]) for v, a in assets.items()],
    )
    print("| buildings | record: loop s | per call ms | add_asset_metadata: loop s | per call ms | ratio |")
    print("|---|---|---|---|---|---|")
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        for size in args.buildings:
            instance = postgres_instance(cluster, f"dagster_{size}", Path(tmp) / str(size))
            buildings = [f"b{i:05d}" for i in range(size)]
            instance.add_dynamic_partitions(BUILDING_PARTITIONS, buildings)
            tags = rectangle_tags(buildings[0], buildings[-1], MONTH, MONTH)
            best: dict[str, float] = {}
            for round_ in range(args.repeat):
                order = list(assets) if round_ % 2 == 0 else list(assets)[::-1]
                for variant in order:
                    result = defs.get_job_def(f"job_{variant}").execute_in_process(
                        instance=instance, tags=tags, run_config=QUIET
                    )
                    assert result.success
                    best[variant] = min(best.get(variant, float("inf")), LOOP_S[variant])
            for variant, asset in assets.items():
                for index in (0, size // 2, size - 1):
                    key = work.key_of(BuildingMonth(buildings[index], MONTH, "Europe/Paris"))
                    records = instance.fetch_materializations(
                        dg.AssetRecordsFilter(asset_key=asset.key, asset_partitions=[key]), limit=1
                    ).records
                    mat = records[0].asset_materialization if records else None
                    assert mat is not None and mat.metadata["building_index"].value == index, (variant, key)
            new, old = best["record"], best["add_asset_metadata"]
            print(
                f"| {size} | {new:.2f} | {new / size * 1000:.2f} | {old:.2f} | {old / size * 1000:.2f} "
                f"| {old / new:.1f} × |"
            )
            instance.dispose()


if __name__ == "__main__":
    main()
