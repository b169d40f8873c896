"""What a UI backfill of 3 buildings × 36 months launches: a handful of range runs, not one per partition.

It calls the function Dagster's asset-backfill daemon uses to turn the selected partitions into run requests.
"""

import dagster as dg
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests_with_backfill_policies
from dagster._core.definitions.events import AssetKeyPartitionKey

from linky_pipeline.definitions import defs
from linky_pipeline.defs.automation.runs import RANGE_END_TAG, RANGE_START_TAG
from linky_pipeline.defs.partitions import building_month_partitions


def test_three_buildings_by_36_months_is_three_runs() -> None:
    definitions = defs()
    asset_graph = definitions.resolve_asset_graph()
    keys = list(asset_graph.materializable_asset_keys)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["alpha", "bravo", "charlie"])
        months = building_month_partitions.partitions_defs[1].partitions_def.get_partition_keys()[-37:]
        partitions = [
            str(dg.MultiPartitionKey({"building": b, "month": m}))
            for b in ("alpha", "bravo", "charlie")
            for m in months
        ]
        selected = [AssetKeyPartitionKey(k, p) for k in keys for p in partitions]
        requests = build_run_requests_with_backfill_policies(selected, asset_graph, instance)
    assert len(partitions) * len(keys) == 111 * len(keys)
    assert len(requests) == 3
    covered = sorted((r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests)
    assert covered == [(f"{b}|{months[0]}", f"{b}|{months[-1]}") for b in ("alpha", "bravo", "charlie")]
    assert all(set(r.asset_selection) == set(keys) for r in requests)  # every table in the same run
