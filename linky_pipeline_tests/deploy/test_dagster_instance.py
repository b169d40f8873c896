"""The production dagster.yaml and workspace.yaml, validated by Dagster itself and run on a real PostgreSQL."""

from __future__ import annotations

import re
import shlex
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import psycopg
import pytest
import sqlalchemy
import yaml
from click.testing import CliRunner
from dagster._cli import cli as dagster_cli
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._core.workspace.config_schema import process_workspace_config
from psycopg import sql

from linky_pipeline.lib.store.db import to_dagster_storage_url
from linky_pipeline_tests.support.deploy import REPO, SERVICES

INSTANCE_YAML = (REPO / "dagster.yaml").read_text(encoding="utf-8")


def _compose_env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service]["environment"].items()}


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME laid out like the image's, with the env vars compose gives the daemon."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for key, value in {
        "DAGSTER_PG_HOST": "dagster-postgres",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USER": "dagster",
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_PG_PASSWORD": "not-a-real-password",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_DIR", str(tmp_path / "storage" / "compute_logs"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_instance_yaml_passes_dagsters_schema(dagster_home: Path) -> None:
    config, custom_class = dagster_instance_config(str(dagster_home))
    assert custom_class is None
    storage = config["storage"]["custom"]
    assert (storage["module"], storage["class"]) == ("linky_pipeline.instance.storage", "PooledPostgresStorage")
    db = storage["config"]["postgres_db"]
    assert db["scheme"] == "postgresql+psycopg2"  # psycopg 3 breaks dagster-postgres (#33958)
    assert db["hostname"] == {"env": "DAGSTER_PG_HOST"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert "config" not in config["run_coordinator"]  # limits live in `concurrency:` only
    assert config["concurrency"]["pools"]["default_limit"] >= 1
    assert {"key": "dagster/backfill", "limit": 2} in config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert config["run_monitoring"]["enabled"] and config["run_retries"]["enabled"]
    assert config["telemetry"] == {"enabled": False}
    assert "postgres_url" not in storage["config"]


@pytest.mark.parametrize(
    "mutation",
    [
        # The documented trap: run coordinator limits next to the concurrency block.
        lambda c: c["run_coordinator"].update({"config": {"max_concurrent_runs": 3}}),
        lambda c: c["concurrency"]["pools"].update({"default_limit": -1}),
        lambda c: c["run_monitoring"].update({"max_runtime": 10}),
        # The pooled storage's own schema: its pool settings are checked like the rest.
        lambda c: c["storage"]["custom"]["config"].update({"max_overflow": "ten"}),
        lambda c: c["storage"]["custom"]["config"].update({"pool_size": 5}),
    ],
)
def test_schema_check_rejects_broken_variants(dagster_home: Path, mutation: object) -> None:
    broken = yaml.safe_load(INSTANCE_YAML)
    mutation(broken)  # type: ignore[operator]
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(DagsterInvalidConfigError):
        dagster_instance_config(str(dagster_home))
        InstanceRef.from_dir(str(dagster_home)).storage  # noqa: B018 - a custom class's config is checked on load


def test_workspace_points_at_the_code_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _compose_env("webserver").items():
        monkeypatch.setenv(key, value)
    raw = yaml.safe_load((REPO / "workspace.yaml").read_text(encoding="utf-8"))
    result = process_workspace_config(raw)
    assert result.success, result.errors
    (location,) = result.value["load_from"]
    server = location["grpc_server"]
    assert (server["host"], server["port"], server["location_name"]) == ("code-server", 4000, "linky_pipeline")
    assert "--location-name linky_pipeline" in " ".join(SERVICES["code-server"]["command"])


@pytest.fixture
def storage_db(pg_server_url: str, dagster_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway database standing in for the dagster-postgres service."""
    name = f"dagster_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(pg_server_url)
    monkeypatch.setenv("DAGSTER_PG_HOST", parts.hostname or "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PG_PORT", str(parts.port or 5432))
    monkeypatch.setenv("DAGSTER_PG_USER", parts.username or "postgres")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts.password or "unused-with-trust-auth")
    monkeypatch.setenv("DAGSTER_PG_DB", name)
    yield name
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dg.asset(pool="enedis_api")
def deploy_smoke() -> dg.MaterializeResult:
    """Stands in for an API-calling asset: same pool as the real ones."""
    return dg.MaterializeResult(metadata={"ok": True})


def test_instance_runs_on_postgres_with_the_compose_init_command(dagster_home: Path, storage_db: str) -> None:
    instance = dg.DagsterInstance.get()
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_storage.postgres_url.startswith("postgresql+psycopg2://")  # type: ignore[attr-defined]
        settings = instance.get_concurrency_config()
        assert settings.pool_config.default_pool_limit == 4  # = max_concurrent_runs: the limiters enforce the quotas
        assert settings.run_queue_config is not None and settings.run_queue_config.max_concurrent_runs == 4
        assert instance.run_monitoring_enabled and instance.run_retries_max_retries == 2
        # A real run through the storage (event log NOTIFY included: the psycopg 3 failure mode).
        result = dg.materialize([deploy_smoke], instance=instance)
        assert result.success
        assert instance.get_latest_materialization_event(deploy_smoke.key) is not None

        # What the compose `dagster-init` service runs, step by step, with the installed `dagster` CLI
        # (in-process: a subprocess per step costs ~10 s of imports on these machines).
        shell, flag, script = SERVICES["dagster-init"]["command"]
        assert (shell, flag) == ("sh", "-c")
        script = re.sub(r"\$\{LINKY_ENEDIS_POOL_LIMIT:-\d+\}", "3", script)
        for step in script.split("&&"):
            program, *args = shlex.split(step)
            assert program == "dagster"
            done = CliRunner().invoke(dagster_cli, args, catch_exceptions=False)
            assert done.exit_code == 0, done.output
        assert instance.event_log_storage.get_concurrency_info("enedis_api").slot_count == 3
    finally:
        instance.dispose()


@dg.asset(partitions_def=dg.StaticPartitionsDefinition([f"m{i:02d}" for i in range(12)]))
def monthly_smoke() -> dg.MaterializeResult:
    """A partitioned table's run: one planned and one materialization event per partition."""
    return dg.MaterializeResult(metadata={"ok": True})


RUNS = 6


def _engines(instance: dg.DagsterInstance) -> list[sqlalchemy.engine.Engine]:
    storages = (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
    return [s._engine for s in storages]  # type: ignore[attr-defined]


def test_every_dagster_process_pools_its_storage_connections(dagster_home: Path, storage_db: str) -> None:
    """The daemon and webserver load the instance from dagster.yaml, a run worker from the instance reference:
    both get the pooled storage, and a run's events reuse a few connections instead of one per write."""
    instance = dg.DagsterInstance.get()
    worker = dg.DagsterInstance.from_ref(instance.get_ref())  # what a run worker loads
    try:
        for loaded in (instance, worker):
            assert all(isinstance(e.pool, sqlalchemy.pool.QueuePool) for e in _engines(loaded))
            assert all(e.pool._max_overflow == 10 for e in _engines(loaded))  # type: ignore[attr-defined]
        opened: list[object] = []
        for engine in _engines(worker):
            sqlalchemy.event.listen(engine, "connect", lambda conn, _: opened.append(conn))
        keys = monthly_smoke.partitions_def.get_partition_keys()  # type: ignore[union-attr]
        for key in keys[:RUNS]:
            assert dg.materialize([monthly_smoke], instance=worker, partition_key=key).success
        events = sum(len(worker.all_logs(run.run_id)) for run in worker.get_runs())
        assert events >= 12 * RUNS
        # Measured: 9 for 6 runs, 15 for 12 (a kept connection per storage, and an overflow one per run that is
        # closed on return); NullPool opens one for every event write and every query.
        assert len(opened) <= 3 + 2 * RUNS, f"{len(opened)} connections opened for {events} events"
        # Written through the worker's pool, read back through the other process's instance.
        latest = instance.get_latest_materialization_event(monthly_smoke.key)
        assert latest is not None and latest.dagster_event is not None
        assert latest.dagster_event.partition in keys[:RUNS]
        assert len(instance.get_runs()) == len(worker.get_runs()) == RUNS
    finally:
        worker.dispose()
        instance.dispose()


@pytest.fixture
def plain(dagster_home: Path, pg_server_url: str) -> Iterator[dg.DagsterInstance]:
    """An instance on plain dagster-postgres storage (its own database): what the project's storage must match."""
    name = f"dagster_plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    home = dagster_home.parent / "plain"
    home.mkdir()
    url = to_dagster_storage_url(urlunsplit(urlsplit(pg_server_url)._replace(path=f"/{name}")))
    (home / "dagster.yaml").write_text(f'storage:\n  postgres:\n    postgres_url: "{url}"\n', encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        yield instance
    finally:
        instance.dispose()
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


MONTHS = dg.StaticPartitionsDefinition([f"m{i:02d}" for i in range(12)])


@dg.asset(partitions_def=MONTHS, backfill_policy=dg.BackfillPolicy.single_run())
def monthly_range() -> dg.MaterializeResult:
    """A range run over some months; fails when asked to, after the run's planned events were written."""
    if dg.AssetExecutionContext.get().run.tags.get("fail") == "yes":
        raise RuntimeError("the warehouse went away")
    return dg.MaterializeResult()


def _range_run(instance: dg.DagsterInstance, first: str, last: str, fail: bool) -> str:
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    result = dg.materialize(
        [monthly_range], instance=instance, tags={**tags, "fail": "yes" if fail else "no"}, raise_on_error=False
    )
    assert result.success is not fail
    return result.run_id


def _what_the_ui_sees(instance: dg.DagsterInstance, run_ids: list[str]) -> dict[str, object]:
    key = monthly_range.key
    planned = instance.get_records_for_run(run_ids[-1], of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    attempts = instance.event_log_storage.get_latest_asset_partition_materialization_attempts_without_materializations(
        key
    )
    record = instance.get_asset_records([key])[0].asset_entry
    keys = MONTHS.get_partition_keys()
    return {
        "planned": sorted(str(r.event_log_entry.dagster_event.partition) for r in planned.records),  # type: ignore[union-attr]
        "attempts": {p: run_ids.index(run) for p, (run, _) in attempts.items()},
        "last_run": run_ids.index(record.last_run_id) if record.last_run_id else None,
        "status": {p: str(s) for p, s in (instance.get_status_by_partition(key, keys, MONTHS) or {}).items()},
    }


def test_planned_events_written_in_batches_leave_what_dagster_leaves(
    storage_db: str, plain: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's storage writes a run's "materialization planned" events in one INSERT per batch: the UI's
    view (planned partitions, in-progress and failed partitions, the asset's last run) must be the one
    dagster-postgres's one-by-one writes give, for a successful run and for a run that fails."""
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "5")  # 8 planned events: batches of 5 and 3
    ours = dg.DagsterInstance.get()
    try:
        assert type(ours.event_log_storage).__name__ == "ProjectEventLogStorage"
        seen = []
        for instance in (ours, plain):
            runs = [_range_run(instance, "m00", "m07", fail=False), _range_run(instance, "m04", "m11", fail=True)]
            seen.append(_what_the_ui_sees(instance, runs))
        assert seen[0] == seen[1]
        view = seen[0]
        assert view["planned"] == [f"m{i:02d}" for i in range(4, 12)]
        assert view["attempts"] == {f"m{i:02d}": 1 for i in range(4, 12)}  # planned by the failed run, never done
        assert view["last_run"] == 1
        status = view["status"]
        assert isinstance(status, dict)
        assert {p for p, s in status.items() if s.endswith("FAILED")} == {f"m{i:02d}" for i in range(4, 12)}
        assert {p for p, s in status.items() if s.endswith("MATERIALIZED")} == {f"m{i:02d}" for i in range(4)}
    finally:
        ours.dispose()


@dg.asset(
    partitions_def=MONTHS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[dg.AssetCheckSpec("even_month", asset="monthly_checked", partitions_def=MONTHS)],
)
def monthly_checked() -> Iterator[object]:
    """A range run with a partitioned check: one planned check row per partition, then one evaluation each."""
    context = dg.AssetExecutionContext.get()
    if context.run.tags.get("fail") == "yes":
        raise RuntimeError("the warehouse went away")
    yield dg.MaterializeResult()
    for key in context.partition_keys:
        yield dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey("monthly_checked"),
            check_name="even_month",
            passed=int(key[1:]) % 2 == 0,
            partition=key,
        )
    yield dg.Output(None, output_name="monthly_checked_even_month")


def _checked_run(instance: dg.DagsterInstance, first: str, last: str, fail: bool) -> str:
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    result = dg.materialize(
        [monthly_checked], instance=instance, tags={**tags, "fail": "yes" if fail else "no"}, raise_on_error=False
    )
    assert result.success is not fail
    return result.run_id


def _check_rows(instance: dg.DagsterInstance, run_ids: list[str]) -> dict[str, object]:
    """The check's rows as stored (runs by their order, events by what they say) and as the UI reads them."""
    check_key = dg.AssetCheckKey(dg.AssetKey("monthly_checked"), "even_month")
    history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=100)
    stored = []
    for record in sorted(history, key=lambda r: r.id):
        event = record.event
        assert event is not None and event.dagster_event is not None
        data = event.dagster_event.event_specific_data
        subset = getattr(data, "partitions_subset", None)
        stored.append(
            (
                record.partition,
                run_ids.index(record.run_id),
                record.status.value,
                event.dagster_event.event_type_value,
                sorted(subset.get_partition_keys()) if subset is not None else None,
                event.run_id == record.run_id,
            )
        )
    with instance.event_log_storage.index_connection() as conn:  # type: ignore[attr-defined]
        links = conn.exec_driver_sql(
            "SELECT c.partition, c.run_id, e.dagster_event_type, e.run_id = c.run_id,"
            " c.materialization_event_storage_id IS NOT NULL FROM asset_check_executions c"
            " LEFT JOIN event_logs e ON e.id = c.evaluation_event_storage_id ORDER BY c.id"
        ).fetchall()
    stored.extend((p, run_ids.index(r), t, same, linked) for p, r, t, same, linked in links)
    partitions = {
        info.partition_key: (info.latest_execution_status.value, run_ids.index(info.latest_planned_run_id))
        for info in instance.event_log_storage.get_asset_check_partition_info([check_key])
    }
    return {"stored": stored, "partitions": partitions}


def test_planned_check_rows_written_once_per_event_leave_what_dagster_leaves(
    storage_db: str, plain: dg.DagsterInstance
) -> None:
    """The project's storage serializes a partitioned check's "evaluation planned" event once and lets PostgreSQL
    write its row for each partition: the rows, their order and what the UI reads from them (each partition's
    planned, passed or failed check, with its run) must be the ones dagster-postgres writes."""
    ours = dg.DagsterInstance.get()
    try:
        assert type(ours.event_log_storage).__name__ == "ProjectEventLogStorage"
        seen = []
        for instance in (ours, plain):
            runs = [_checked_run(instance, "m00", "m05", fail=False), _checked_run(instance, "m03", "m08", fail=True)]
            seen.append(_check_rows(instance, runs))
        assert seen[0] == seen[1]
        stored, partitions = seen[0]["stored"], seen[0]["partitions"]
        assert isinstance(stored, list) and isinstance(partitions, dict)
        assert len(stored) == 2 * 12  # a row per partition and run, the planned ones never evaluated included
        planned_by_failed_run = [row for row in stored[:12] if row[1] == 1]
        assert {row[2] for row in stored[12:]} == {"ASSET_CHECK_EVALUATION", "ASSET_CHECK_EVALUATION_PLANNED"}
        assert sorted(row[0] for row in planned_by_failed_run) == [f"m{i:02d}" for i in range(3, 9)]
        assert all(
            row[2] == "PLANNED" and row[4] == [f"m{i:02d}" for i in range(3, 9)] for row in planned_by_failed_run
        )
        assert partitions["m00"] == ("SUCCEEDED", 0) and partitions["m01"] == ("FAILED", 0)
        assert partitions["m04"] == ("PLANNED", 1)
    finally:
        ours.dispose()


def test_a_new_default_pool_limit_applies_to_a_pool_created_under_the_old_one(
    dagster_home: Path, storage_db: str
) -> None:
    """An operator changes `concurrency.pools.default_limit` on an instance whose `enedis_api` pool row exists:
    the next run's pooled step must start and the pool follow the new default (Dagster's own INSERT-then-UPDATE
    fails on PostgreSQL there, and every pooled step of every run with it)."""
    first = dg.DagsterInstance.get()
    try:
        assert dg.materialize([deploy_smoke], instance=first).success
        info = first.event_log_storage.get_concurrency_info("enedis_api")
        assert (info.slot_count, info.limit) == (4, 4)
    finally:
        first.dispose()
    config = (dagster_home / "dagster.yaml").read_text(encoding="utf-8")
    assert "    default_limit: 4\n" in config
    (dagster_home / "dagster.yaml").write_text(config.replace("    default_limit: 4\n", "    default_limit: 2\n"))
    second = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        assert second.global_op_concurrency_default_limit == 2
        assert dg.materialize([deploy_smoke], instance=second).success
        info = second.event_log_storage.get_concurrency_info("enedis_api")
        assert (info.slot_count, info.limit) == (2, 2)
        pool = second.event_log_storage.get_pool_limits()
        assert [(p.name, p.limit, p.from_default) for p in pool] == [("enedis_api", 2, True)]
    finally:
        second.dispose()
