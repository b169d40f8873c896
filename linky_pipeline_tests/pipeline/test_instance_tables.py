"""A run worker asks the PostgreSQL event log whether the asset-check table exists once, not once per evaluation,
and the evaluations are still stored per partition."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from psycopg import sql
from sqlalchemy import event

from linky_pipeline.defs.assets.work import pool_instance_connections, remember_tables
from linky_pipeline.lib.store.db import to_dagster_storage_url

PARTITIONS = dg.StaticPartitionsDefinition([f"p{i}" for i in range(6)])
CHECK = dg.AssetCheckSpec("positive", asset="numbers", partitions_def=PARTITIONS)


@dg.asset(partitions_def=PARTITIONS, check_specs=[CHECK], backfill_policy=dg.BackfillPolicy.single_run())
def numbers(context: dg.AssetExecutionContext) -> Iterator[Any]:
    pool_instance_connections(context.instance)  # what run_partitions does first in every project asset
    yield dg.MaterializeResult()
    for key in context.partition_keys:
        yield dg.AssetCheckEvaluation(
            asset_key=CHECK.asset_key, check_name=CHECK.name, passed=key != "p3", partition=key
        )
    yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(CHECK.key))


@pytest.fixture
def instance(pg_server_url: str, tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    name = f"dagster_tables_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = to_dagster_storage_url(pg_server_url.rsplit("/", 1)[0] + "/" + name)
    (tmp_path / "dagster.yaml").write_text(
        f'storage:\n  postgres:\n    postgres_url: "{url}"\ntelemetry:\n  enabled: false\n', encoding="utf-8"
    )
    inst = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        yield inst
    finally:
        inst.dispose()
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_range_run_stores_every_evaluation_asking_for_the_table_once(instance: dg.DagsterInstance) -> None:
    pool_instance_connections(instance)  # the engine the run will use (the asset's own call is then a no-op)
    storage: Any = instance.event_log_storage
    catalog: list[str] = []

    def count(conn: object, cursor: object, statement: str, params: Any, *rest: object) -> None:
        if "pg_class" in statement and "asset_check_executions" in str(params):
            catalog.append(statement)

    event.listen(storage._engine, "before_cursor_execute", count)
    result = dg.materialize(
        [numbers],
        instance=instance,
        tags={"dagster/asset_partition_range_start": "p0", "dagster/asset_partition_range_end": "p5"},
    )
    assert result.success
    assert len(catalog) <= 1  # was one catalog query per evaluation (6 here)
    records = instance.event_log_storage.get_asset_check_execution_history(CHECK.key, limit=20)
    by_partition = {r.partition: r.status for r in records}
    assert by_partition == {
        f"p{i}": AssetCheckExecutionRecordStatus.FAILED if i == 3 else AssetCheckExecutionRecordStatus.SUCCEEDED
        for i in range(6)
    }


def test_a_missing_table_is_asked_again_and_a_found_one_is_not() -> None:
    asked: list[str] = []

    class Storage:
        def has_table(self, table_name: str) -> bool:
            asked.append(table_name)
            return table_name == "present"

    storage = Storage()
    remember_tables(storage)
    remember_tables(storage)  # a second worker start does not wrap twice
    assert [storage.has_table("present") for _ in range(3)] == [True, True, True]
    assert [storage.has_table("absent") for _ in range(2)] == [False, False]
    assert asked == ["present", "absent", "absent"]
