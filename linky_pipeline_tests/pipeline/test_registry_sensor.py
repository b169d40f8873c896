"""The registry sensor keeps building partitions equal to the registry and asks for history runs once."""

from datetime import date

import dagster as dg
from dagster._core.definitions.sensor_definition import SensorExecutionData

from linky_pipeline.definitions import defs
from linky_pipeline.defs.automation.registry_sensor import building_registry_sensor, partition_changes
from linky_pipeline.defs.resources.definitions import WarehouseResource
from linky_pipeline.lib.domain.registry import add_meter, remove_building

CURSOR: dict[int, str | None] = {}


def _tick(instance: dg.DagsterInstance, pg_url: str) -> SensorExecutionData:
    """One tick as the daemon runs it: inside the code location, with the cursor of the previous tick, through
    the sensor's evaluation (which validates its backfill requests against the sensor's asset selection)."""
    context = dg.build_sensor_context(
        instance=instance,
        cursor=CURSOR.get(id(instance)),
        repository_def=defs().get_repository_def(),
        resources={"warehouse": WarehouseResource(database_url=pg_url)},
    )
    result = building_registry_sensor.evaluate_tick(context)
    CURSOR[id(instance)] = result.cursor
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def test_sensor_adds_and_removes_building_partitions(db, building, pg_url) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("empty")
    with dg.instance_for_test() as instance:
        first = _tick(instance, pg_url)
        assert instance.get_dynamic_partitions("building") == ["alpha", "empty"]
        # one history backfill per building with never-fetched active meters, over every sync asset
        (request,) = first.run_requests
        assert request.requires_backfill_daemon()
        subset = request.asset_graph_subset
        assert subset is not None
        assert {k.to_user_string() for k in subset.asset_keys} >= {"raw_load_curves", "readings", "daily_consumption"}
        keys = subset.get_partitions_subset(dg.AssetKey("readings")).get_partition_keys()
        assert {k.split("|")[0] for k in keys} == {"alpha"} and len(keys) >= 36
        assert request.tags["linky/buildings"] == "alpha"
        second = _tick(instance, pg_url)
        assert not second.dynamic_partitions_requests
        assert not second.run_requests  # asked once: the cursor remembers it while that backfill runs
        add_meter(db, "empty", "enedis", "42900589957123", "consumption")  # a meter added later
        db.commit()
        later = _tick(instance, pg_url)
        assert [r.tags["linky/buildings"] for r in later.run_requests] == ["empty"]
        db.execute("DELETE FROM meters WHERE building_code = 'empty'")
        remove_building(db, "empty")
        db.commit()
        _tick(instance, pg_url)
        assert instance.get_dynamic_partitions("building") == ["alpha"]


def test_partition_changes_keeps_registry_order() -> None:
    assert partition_changes(["a", "b", "c"], ["c", "x"]) == (["a", "b"], ["x"])


def test_a_partition_added_from_the_ui_is_refused_with_the_cli_command(db, building, pg_url, run_pipeline) -> None:
    building("alpha", ("22516914714270", "consumption"))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["typed-in-the-ui"])  # what the UI's "add partition" does
        context = dg.build_sensor_context(
            instance=instance,
            repository_def=defs().get_repository_def(),
            resources={"warehouse": WarehouseResource(database_url=pg_url)},
        )
        result = building_registry_sensor(context)
        deletes = [
            r for r in result.dynamic_partitions_requests or [] if isinstance(r, dg.DeleteDynamicPartitionsRequest)
        ]
        assert [list(r.partition_keys) for r in deletes] == [["typed-in-the-ui"]]
        # a run launched on it before the sensor's tick fails, saying how buildings are added
        ran = run_pipeline(["typed-in-the-ui"], date(2026, 10, 1), date(2026, 10, 1), instance=instance)
        assert not ran.success
        failure = next(e for e in ran.all_events if e.is_step_failure)
        assert "linky-pipeline buildings add" in str(failure.step_failure_data.error)
