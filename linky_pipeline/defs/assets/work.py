"""The building × month rectangle a (possibly range) run covers, and how its results reach the UI.

Metadata is recorded per partition (`add_asset_metadata(..., partition_key=...)`): each building-month shows its
own numbers. Run totals go on the run (tags in the runs list), never on a partition. Check results are
evaluations of partitioned checks, one per building-month, so a later run of another month never hides a
failure.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.partitions import parse_partition_key, partition_key
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import RegistryError, building_months
from linky_pipeline.lib.tables.pipelined import built_in_run
from linky_pipeline.lib.tables.rebuild import Rebuild, Rebuilt, rebuild_partitions

AssetEvent = dg.MaterializeResult[Any] | dg.AssetCheckEvaluation | dg.Output[None]

# What the assets return. Dagster reads the return annotation at runtime and only recognises the bare
# MaterializeResult class (a subscripted one is rejected on assets with checks); mypy wants its type argument.
if TYPE_CHECKING:
    Materialized: TypeAlias = dg.MaterializeResult[Any]
else:
    Materialized = dg.MaterializeResult


def run_partitions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> list[BuildingMonth]:
    """Building-months of this run, buildings then months ascending (months in order for MoM/YoY)."""
    pool_instance_connections(context.instance)
    keys = remember_targets(context)
    with warehouse.connect() as conn:
        try:
            partitions = building_months(conn, [parse_partition_key(key) for key in keys])
        except RegistryError as exc:
            raise dg.Failure(
                f"{exc}: a building partition must be a registered building. Add it with "
                "`linky-pipeline buildings add <code> --name ...` (the UI's 'add partition' cannot: it has no "
                "name, time zone or meters); the registry sensor then creates its partition."
            ) from exc
    _tag_run(context, partitions)
    return partitions


_POOLED: set[int] = set()


def pool_instance_connections(instance: dg.DagsterInstance) -> None:
    """Reuse the instance's database connections for the rest of this process.

    dagster-postgres opens a new connection for every event write and instance query (SQLAlchemy NullPool); a
    12-month range run makes ~1 300 of them (4.3 s of a 13.9 s run, benchmarks/dagster_overhead.py). This is the
    switch the webserver uses for itself: a small pool, recycled hourly, no statement timeout (a run may
    legitimately wait on a lock). A no-op on other storages.
    """
    if id(instance) not in _POOLED:
        instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=10)
        remember_tables(instance.event_log_storage)
        _POOLED.add(id(instance))


def remember_tables(storage: object) -> None:
    """Ask the event log's database once whether a table exists, not on every event.

    dagster-postgres checks that `asset_check_executions` exists before storing each check evaluation
    (`supports_asset_checks` → `has_table`: a pooled connection and a catalog query, 16 % of the CPU of storing one,
    benchmarks/RESULTS.md "P2, final"); a range run stores one evaluation per check and building-month (3 330 for
    10 buildings × 37 months), all after the fetch. A table found stays found for the run (Dagster's schema is
    migrated before runs start); a missing one is asked again. A no-op on storages without `has_table`.
    """
    original = getattr(storage, "has_table", None)
    if original is None or getattr(original, "remembers", False):
        return
    found: set[str] = set()

    def has_table(table_name: str) -> bool:
        if table_name in found:
            return True
        exists = bool(original(table_name))
        if exists:
            found.add(table_name)
        return exists

    has_table.remembers = True  # type: ignore[attr-defined]
    storage.has_table = has_table  # type: ignore[attr-defined]


_TAGGED: set[str] = set()


def _tag_run(context: dg.AssetExecutionContext, partitions: list[BuildingMonth]) -> None:
    """Buildings and months in the runs list, whoever launched the run (schedule, sensor, UI backfill, demo);
    written once per run, by its first asset."""
    run_id = context.run.run_id
    if run_id in _TAGGED:
        return
    tags = rectangle_labels(partitions)
    if any(context.run.tags.get(k) != v for k, v in tags.items()):
        context.instance.add_run_tags(run_id, tags)
    _TAGGED.add(run_id)


def rectangle_labels(partitions: Iterable[BuildingMonth]) -> dict[str, str]:
    parts = list(partitions)
    if not parts:
        return {}
    buildings = sorted({bm.building for bm in parts})
    months = sorted({bm.month for bm in parts})
    who = buildings[0] if len(buildings) == 1 else f"{len(buildings)} buildings: {buildings[0]}..{buildings[-1]}"
    when = f"{months[0]:%Y-%m}" if len(months) == 1 else f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
    return {names.BUILDINGS_TAG: who, names.MONTHS_TAG: when}


def key_of(bm: BuildingMonth) -> str:
    return str(partition_key(bm.building, bm.month))


def window_metadata(bm: BuildingMonth) -> dict[str, Any]:
    """Which building-month this is, and the UTC window of its local month."""
    return {
        "building": bm.building,
        "month": f"{bm.month:%Y-%m}",
        "window": f"{bm.utc_start:%Y-%m-%d %H:%M} → {bm.utc_end:%Y-%m-%d %H:%M} UTC ({bm.timezone} local month)",
    }


_TARGETED: dict[tuple[str, str], frozenset[str]] = {}  # (run, asset) → the run's partition keys, read once


def _step_of(context: dg.AssetExecutionContext) -> tuple[str, str]:
    return context.run.run_id, context.assets_def.key.to_user_string()


def remember_targets(context: dg.AssetExecutionContext) -> list[str]:
    """The run's partition keys (resolved by Dagster once here), kept for `record`."""
    keys = [str(key) for key in context.partition_keys]
    _TARGETED[_step_of(context)] = frozenset(keys)
    return keys


def record(context: dg.AssetExecutionContext, bm: BuildingMonth, metadata: Mapping[str, Any]) -> None:
    """This building-month's metadata on its own partition.

    `add_asset_metadata(partition_key=...)` first checks the key against the run's range by resolving the whole
    range again: every building × month key built anew and two instance queries, on each call. A run of N
    building-months called it N times per asset, O(N²): 28 % of a 1 000-building nightly (py-spy,
    benchmarks/RESULTS.md). The keys here come from the run's own partition keys (run_partitions read them once),
    so the same check is a set lookup, then the metadata goes where add_asset_metadata puts it. Should that
    internal place move in a later Dagster, the public call is used, slower but the same."""
    key = key_of(bm)
    values = {**window_metadata(bm), **metadata}
    step = getattr(context.op_execution_context, "_step_execution_context", None)
    accumulator = getattr(step, "_metadata_accumulator", None)
    targeted = _TARGETED.get(_step_of(context))
    if accumulator is None or targeted is None or key not in targeted:
        context.add_asset_metadata(values, partition_key=key)
        return
    step._metadata_accumulator = accumulator.with_additional_asset_metadata(  # type: ignore[union-attr]
        asset_key=context.assets_def.key, metadata=values, partition_key=key
    )


def rebuild_each(
    context: dg.AssetExecutionContext,
    partitions: list[BuildingMonth],
    warehouse: WarehouseResource,
    rebuild: Rebuild,
    table: str,
) -> dict[BuildingMonth, dict[str, Any]]:
    """One transaction per building-month; returns each partition's metadata: what its own rebuild wrote. The
    building-months this run's sync already built while it fetched (lib/tables/pipelined.py) are not built twice."""
    with warehouse.connect() as conn:
        early = built_in_run(conn, context.run.run_id, table, partitions)
    done: list[Rebuilt] = rebuild_partitions(warehouse.connect, [bm for bm in partitions if bm not in early], rebuild)
    done += list(early.values())
    total = sum(r.rows if r.written is None else r.written for r in done)
    context.log.info(
        f"{table}: {total} row(s) written over {len(done)} building-month(s) ({len(early)} while the sync fetched)"
    )
    return {r.partition: _rows_metadata(r) for r in done}


def _rows_metadata(r: Rebuilt) -> dict[str, Any]:
    """The partition's rows, and what the rebuild wrote: all of them, or (tables that write only what changed) the
    rows inserted or updated and those deleted."""
    changed = {} if r.written is None else {"rows_deleted": r.deleted}
    return {
        "dagster/partition_row_count": r.rows,
        "rows_written": r.rows if r.written is None else r.written,
        **changed,
        "duration_s": round(r.seconds, 3),
    }


def record_all(context: dg.AssetExecutionContext, metadata: Mapping[BuildingMonth, Mapping[str, Any]]) -> None:
    """One metadata call per partition (each call makes Dagster resolve the run's partition range)."""
    for bm, values in metadata.items():
        record(context, bm, values)


def evaluation(
    context: dg.AssetExecutionContext,
    check_name: str,
    bm: BuildingMonth,
    *,
    passed: bool,
    severity: dg.AssetCheckSeverity,
    description: str,
    metadata: Mapping[str, Any],
) -> dg.AssetCheckEvaluation:
    """One building-month's result of a partitioned check (blocking as the check's spec says)."""
    spec = next(s for s in context.assets_def.check_specs if s.name == check_name)
    return dg.AssetCheckEvaluation(
        asset_key=spec.asset_key,
        check_name=check_name,
        passed=passed,
        severity=severity,
        description=description,
        blocking=spec.blocking,
        partition=key_of(bm),
        metadata={**window_metadata(bm), **metadata},
    )


def check_events(
    context: dg.AssetExecutionContext, evaluations: Iterable[dg.AssetCheckEvaluation]
) -> Iterator[AssetEvent]:
    """Yield the selected evaluations, then the one output each evaluated check owes the step."""
    selected = context.selected_asset_check_keys
    emitted = set()
    for e in evaluations:
        if e.asset_check_key in selected:
            emitted.add(e.asset_check_key)
            yield e
    for output_name, spec in context.assets_def.check_specs_by_output_name.items():
        if spec.key in emitted:
            yield dg.Output(None, output_name=output_name)
