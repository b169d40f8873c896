"""One step of benchmarks/fleet_scale.py, run in its own process by the Python of the tree under test.

The tree is this checkout or a baseline commit's worktree (its own `.venv`), so this file imports only what both
have: the code location (`linky_pipeline.definitions.defs`), the run tags in `defs/names.py`, the registry and the
migrations. The environment (LINKY_DATABASE_URL, LINKY_ENEDIS_*, DAGSTER_HOME) is set by the driver. Each command
prints one line `RESULT {json}` with its timings, this process's CPU time and peak RSS.

Commands: setup (migrate + register the fleet), defs (definition load time), schedule (evaluate the nightly
schedule at 02:00 Brussels of a date), sensor (evaluate one sensor, optionally until it has nothing left), run (the
nightly job with the schedule's tags, quota lifted or on a scaled clock), partitions (what the instance and the
UI's GraphQL do with the building × month partitions).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import warnings
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
QUIET_CONSOLE = {"console": {"config": {"log_level": "ERROR"}}}


def usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": round(ru.ru_utime + ru.ru_stime, 2), "peak_rss_mb": round(ru.ru_maxrss / 1024, 1)}


def children_cpu() -> float:
    """CPU of this process's reaped children (the table builders' worker processes, joined at the chain's close)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps({**result, **usage()}), flush=True)


def load_defs() -> tuple[Any, float]:
    began = time.perf_counter()
    from linky_pipeline.definitions import defs

    loaded = defs()
    loaded.get_repository_def()
    return loaded, time.perf_counter() - began


def warehouse_resource() -> Any:
    from linky_pipeline.defs.resources.warehouse import WarehouseResource

    return WarehouseResource(database_url=os.environ["LINKY_DATABASE_URL"])


def instance() -> Any:
    import dagster as dg

    return dg.DagsterInstance.get()


def cmd_setup(args: argparse.Namespace) -> None:
    """Migrations, then every building and meter through the registry's own functions."""
    import psycopg

    from linky_pipeline.lib.domain.registry import add_building, add_meter
    from linky_pipeline.lib.store import migrations

    layout: dict[str, list[str]] = json.loads(Path(args.layout).read_text(encoding="utf-8"))
    with psycopg.connect(os.environ["LINKY_DATABASE_URL"]) as conn:
        began = time.perf_counter()
        migrations.upgrade(conn)
        migrated = time.perf_counter()
        for code, prms in layout.items():
            add_building(conn, code, code, "Europe/Paris")
            for prm in prms:
                add_meter(conn, code, "enedis", prm, "consumption")
        conn.commit()
        done = time.perf_counter()
    emit(
        {
            "migrate_s": round(migrated - began, 2),
            "register_s": round(done - migrated, 2),
            "buildings": len(layout),
            "meters": sum(len(v) for v in layout.values()),
        }
    )


def cmd_defs(_args: argparse.Namespace) -> None:
    """Import + build the Definitions + resolve the repository (asset graph, jobs), then the snapshot a code
    server sends to the webserver and daemon."""
    began = time.perf_counter()
    import dagster  # noqa: F401 - timed: the framework's own import

    imported = time.perf_counter()
    loaded, _ = load_defs()
    built = time.perf_counter()
    snapshot_s = None
    try:
        from dagster._core.remote_representation.external_data import RepositorySnap

        t0 = time.perf_counter()
        RepositorySnap.from_def(loaded.get_repository_def())
        snapshot_s = round(time.perf_counter() - t0, 3)
    except Exception as exc:  # an internal API: report instead of failing the benchmark
        print(f"snapshot not measured: {exc!r}", file=sys.stderr)
    emit(
        {
            "import_dagster_s": round(imported - began, 3),
            "definitions_s": round(built - imported, 3),
            "total_s": round(built - began, 3),
            "snapshot_s": snapshot_s,
        }
    )


def cmd_schedule(args: argparse.Namespace) -> None:
    """The nightly schedule's tick at 02:00 Brussels of `--date`, against the real instance; writes its tags."""
    import dagster as dg

    loaded, _ = load_defs()
    schedule = loaded.get_schedule_def(args.name)
    at = datetime.combine(date.fromisoformat(args.date), clock(2), BRUSSELS)
    times = []
    data: Any = None
    for _ in range(args.repeat):
        with dg.build_schedule_context(
            instance=instance(), scheduled_execution_time=at, resources={"warehouse": warehouse_resource()}
        ) as context:
            began = time.perf_counter()
            data = schedule.evaluate_tick(context)
            times.append(time.perf_counter() - began)
    requests = list(data.run_requests or [])
    if args.tags_out and requests:
        Path(args.tags_out).write_text(json.dumps(dict(requests[0].tags)), encoding="utf-8")
    emit(
        {
            "tick_s": [round(t, 3) for t in times],
            "tick_median_s": round(statistics.median(times), 3),
            "run_requests": len(requests),
            "skip": getattr(data, "skip_message", None),
        }
    )


def apply_partition_requests(inst: Any, requests: list[Any]) -> tuple[int, int]:
    """What the daemon does with a sensor's dynamic partition requests."""
    import dagster as dg

    added = deleted = 0
    for request in requests:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            inst.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            added += len(request.partition_keys)
        elif isinstance(request, dg.DeleteDynamicPartitionsRequest):
            for key in request.partition_keys:
                inst.delete_dynamic_partition(request.partitions_def_name, key)
            deleted += len(request.partition_keys)
    return added, deleted


def cmd_sensor(args: argparse.Namespace) -> None:
    """Ticks of one sensor against the real instance (cursor kept in a file between invocations); with --drain,
    ticks until its cursor stops moving (the anomaly sensor reads at most 1 000 materializations per tick; a tick
    that read some but queued no notification still "skips" with an empty result)."""
    import dagster as dg

    loaded, _ = load_defs()
    sensor = loaded.get_sensor_def(args.name)
    repository = loaded.get_repository_def()
    cursor_file = Path(args.cursor_file)
    cursor = (cursor_file.read_text(encoding="utf-8") or None) if cursor_file.exists() else None
    inst = instance()
    ticks: list[float] = []
    apply_s = 0.0
    run_requests = added = deleted = 0
    skip = None
    errors: list[str] = []
    while True:
        context = dg.build_sensor_context(
            instance=inst, cursor=cursor, repository_def=repository, resources={"warehouse": warehouse_resource()}
        )
        began = time.perf_counter()
        try:
            data = sensor.evaluate_tick(context)  # what the code server runs for the daemon's tick
        except Exception as exc:  # report it, then time the sensor's own body (what its tests call)
            errors.append(str(exc).splitlines()[0][:300])
            began = time.perf_counter()
            data = body_result(sensor, context)
        ticks.append(time.perf_counter() - began)
        began = time.perf_counter()
        a, d = apply_partition_requests(inst, list(data.dynamic_partitions_requests or []))
        apply_s += time.perf_counter() - began
        added, deleted = added + a, deleted + d
        run_requests += len(data.run_requests or [])
        moved = data.cursor is not None and data.cursor != cursor
        cursor = data.cursor if data.cursor is not None else cursor
        skip = data.skip_message
        if not args.drain or not moved:  # drained: a tick that read something moves the cursor
            break
        if len(ticks) >= args.max_ticks:
            break
    cursor_file.write_text(cursor or "", encoding="utf-8")
    emit(
        {
            "sensor": args.name,
            "ticks": len(ticks),
            "tick_s": [round(t, 3) for t in ticks],
            "tick_total_s": round(sum(ticks), 3),
            "apply_partitions_s": round(apply_s, 3),
            "partitions_added": added,
            "partitions_deleted": deleted,
            "run_requests": run_requests,
            "skip": skip,
            "evaluate_tick_errors": errors,
        }
    )


def body_result(sensor: Any, context: Any) -> Any:
    """The sensor function called directly, its result shaped like evaluate_tick's."""
    import dagster as dg

    out = sensor(context)
    if isinstance(out, dg.SkipReason):
        return argparse.Namespace(
            run_requests=[], dynamic_partitions_requests=[], cursor=None, skip_message=out.skip_message
        )
    if isinstance(out, dg.RunRequest):
        return argparse.Namespace(run_requests=[out], dynamic_partitions_requests=[], cursor=None, skip_message=None)
    return argparse.Namespace(
        run_requests=list(out.run_requests or []),
        dynamic_partitions_requests=list(out.dynamic_partitions_requests or []),
        cursor=out.cursor,
        skip_message=out.skip_reason.skip_message if out.skip_reason else None,
    )


def enedis_config(quota: str) -> dict[str, Any]:
    """The Enedis resource's whole config (run config replaces the code location's, EnvVars included): the
    quota lifted (`lifted`) to measure our own cost, or the real per-API quota on a scaled clock (`scaled:S`)."""
    config: dict[str, Any] = {
        "base_url": {"env": "LINKY_ENEDIS_API_BASE"},
        "client_id": {"env": "LINKY_ENEDIS_CLIENT_ID"},
        "client_secret": {"env": "LINKY_ENEDIS_CLIENT_SECRET"},
        "api_mode": "2026-v2",
        "quota_database_url": {"env": "LINKY_DATABASE_URL"},
    }
    if quota == "lifted":
        return {**config, "calls_per_second": 1_000_000.0, "calls_per_hour": 1_000_000_000}
    scale = int(quota.removeprefix("scaled:"))
    return {**config, "calls_per_second": 5.0, "calls_per_hour": 1000, "quota_time_scale": scale}


def cmd_run(args: argparse.Namespace) -> None:
    """The nightly job, in this process as the run worker would execute it (in-process executor), with the
    tags the schedule's tick produced."""
    from linky_pipeline.defs import names

    warnings.filterwarnings("ignore")
    tags = json.loads(Path(args.tags).read_text(encoding="utf-8"))
    inst = instance()
    loaded, load_s = load_defs()
    job = loaded.get_job_def(names.SYNC_JOB)
    resources: dict[str, Any] = {"enedis": {"config": enedis_config(args.quota)}}
    if args.policy:  # e.g. build_processes=2 (only a tree whose SyncPolicyResource has the field)
        resources["sync_policy"] = {"config": {k: int(v) for k, v in (p.split("=", 1) for p in args.policy)}}
    run_config = {"resources": resources, "loggers": QUIET_CONSOLE}
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    cpu0, children0 = usage()["cpu_s"], children_cpu()
    began = time.perf_counter()
    result = job.execute_in_process(instance=inst, tags=tags, run_config=run_config, raise_on_error=False)
    wall = time.perf_counter() - began
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
    steps = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS" and event.step_key:
            steps[event.step_key] = round(event.event_specific_data.duration_ms / 1000, 2)
    emit(
        {
            "run_id": result.run_id,
            "success": result.success,
            "definitions_s": round(load_s, 3),
            "wall_s": round(wall, 2),
            "run_cpu_s": round(usage()["cpu_s"] - cpu0, 2),
            "children_cpu_s": round(children_cpu() - children0, 2),
            "steps_s": steps,
        }
    )


PARTITIONS_QUERY = """
query Health($path: [String!]!) {
  assetNodes(assetKeys: [{path: $path}]) {
    partitionStats { numMaterialized numPartitions numFailed numMaterializing }
    assetPartitionStatuses {
      __typename
      ... on MultiPartitionStatuses { primaryDimensionName ranges { primaryDimStartKey primaryDimEndKey } }
    }
  }
}
"""


def cmd_partitions(args: argparse.Namespace) -> None:
    """Many building partitions: resolving a nightly's range, and the asset page's partition health over the
    UI's GraphQL (a code server in a subprocess, as the webserver has)."""
    import dagster as dg

    from linky_pipeline.defs import names, partitions

    inst = instance()
    buildings = list(inst.get_dynamic_partitions("building"))
    definition = partitions.building_month_partitions
    month = date.fromisoformat(args.month)
    key_range = dg.PartitionKeyRange(
        str(partitions.partition_key(buildings[0], month)), str(partitions.partition_key(buildings[-1], month))
    )
    began = time.perf_counter()
    keys = definition.get_partition_keys_in_range(key_range, dynamic_partitions_store=inst)
    range_s = time.perf_counter() - began
    began = time.perf_counter()
    total = len(definition.get_partition_keys(dynamic_partitions_store=inst))
    all_keys_s = time.perf_counter() - began
    result: dict[str, Any] = {
        "buildings": len(buildings),
        "partitions_per_asset": total,
        "range_keys": len(keys),
        "resolve_range_s": round(range_s, 3),
        "list_all_keys_s": round(all_keys_s, 3),
    }
    if args.materialize_months:
        result.update(report_materializations(inst, buildings, month, args.materialize_months))
    if args.graphql:
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import ModuleTarget
        from dagster_graphql.test.utils import execute_dagster_graphql

        target = ModuleTarget(
            module_name="linky_pipeline.definitions",
            attribute="defs",
            working_directory=os.getcwd(),
            location_name="linky_pipeline",
        )
        with WorkspaceProcessContext(inst, target) as workspace:
            for asset in args.graphql:
                times = []
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    out = execute_dagster_graphql(
                        workspace.create_request_context(), PARTITIONS_QUERY, variables={"path": [asset]}
                    )
                    times.append(time.perf_counter() - began)
                    if out.errors:
                        raise RuntimeError(f"GraphQL errors: {out.errors}")
                stats = out.data["assetNodes"][0]["partitionStats"]
                result[f"graphql_{asset}_s"] = [round(t, 3) for t in times]
                result[f"graphql_{asset}_stats"] = stats
    del names
    emit(result)


def report_materializations(inst: Any, buildings: list[str], last: date, months: int) -> dict[str, Any]:
    """Runless `readings` materializations for every building × the `months` months up to `last` (what the
    status of a fleet's history looks like to the instance), written in batches as a run's events are."""
    import dagster as dg

    from linky_pipeline.defs import partitions

    wanted = []
    month = last
    for _ in range(months):
        wanted.append(month)
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    began = time.perf_counter()
    count = 0
    for building in buildings:
        for m in wanted:
            inst.report_runless_asset_event(
                dg.AssetMaterialization(asset_key="readings", partition=str(partitions.partition_key(building, m)))
            )
            count += 1
    seconds = time.perf_counter() - began
    return {"materializations": count, "materialize_s": round(seconds, 1)}


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--layout", required=True)
    sub.add_parser("defs")
    p = sub.add_parser("schedule")
    p.add_argument("--name", default="nightly_sync")
    p.add_argument("--date", required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--tags-out")
    p = sub.add_parser("sensor")
    p.add_argument("--name", required=True)
    p.add_argument("--cursor-file", required=True)
    p.add_argument("--drain", action="store_true")
    p.add_argument("--max-ticks", type=int, default=100)
    p = sub.add_parser("run")
    p.add_argument("--tags", required=True)
    p.add_argument("--quota", default="lifted")
    p.add_argument("--profile", help="write a cProfile of the run to this file")
    p.add_argument("--policy", action="append", default=[], help="a sync_policy setting, KEY=INT (repeatable)")
    p = sub.add_parser("partitions")
    p.add_argument("--month", required=True)
    p.add_argument("--graphql", nargs="*", default=[])
    p.add_argument("--materialize-months", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    {
        "setup": cmd_setup,
        "defs": cmd_defs,
        "schedule": cmd_schedule,
        "sensor": cmd_sensor,
        "run": cmd_run,
        "partitions": cmd_partitions,
    }[args.command](args)


if __name__ == "__main__":
    main()
