"""The registry sensor keeps building partitions equal to the registry and asks for history runs once."""

from datetime import date

import dagster as dg

from linky_pipeline.defs.automation.registry_sensor import building_registry_sensor, partition_changes
from linky_pipeline.defs.automation.runs import RANGE_END_TAG, RANGE_START_TAG
from linky_pipeline.defs.resources.definitions import WarehouseResource
from linky_pipeline.lib.domain.registry import add_meter, remove_building


def _tick(instance: dg.DagsterInstance, pg_url: str) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, resources={"warehouse": WarehouseResource(database_url=pg_url)}
    )
    result = building_registry_sensor(context)
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
        meter_pk = db.execute("SELECT id FROM meters WHERE building_code = 'alpha'").fetchone()[0]
        db.rollback()
        assert [r.run_key for r in first.run_requests] == [f"history:alpha:{meter_pk}"]  # active meters only
        request = first.run_requests[0]
        assert request.tags[RANGE_START_TAG].startswith("alpha|") and request.tags[RANGE_END_TAG].startswith("alpha|")
        second = _tick(instance, pg_url)
        assert not second.dynamic_partitions_requests
        # Until the history run has fetched something the request repeats with the same run key, which
        # Dagster launches only once.
        assert [r.run_key for r in second.run_requests] == [r.run_key for r in first.run_requests]
        add_meter(db, "empty", "enedis", "42900589957123", "consumption")  # a meter added later
        db.commit()
        later = _tick(instance, pg_url)
        assert [r.run_key.split(":")[1] for r in later.run_requests] == ["alpha", "empty"]
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
            instance=instance, resources={"warehouse": WarehouseResource(database_url=pg_url)}
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
