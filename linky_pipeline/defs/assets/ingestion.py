"""raw_load_curves: the landing table, written by the only asset that talks to the meter APIs."""

import time
from collections.abc import Iterator
from datetime import date

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import SYNC_CHECKS
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.external import METER_APIS
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.work import AssetEvent, check_events, evaluation, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.sources import EnedisResource, OresResource, meter_clients
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.sync import ingest
from linky_pipeline.lib.sync.eta import BuildingEta
from linky_pipeline.lib.sync.run import SyncOptions, SyncSummary, sync_partitions
from linky_pipeline.lib.tables.build_processes import ProcessMonthChain, run_chain
from linky_pipeline.lib.tables.pipelined import MonthChain

GAP_SAMPLE = 20


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    group_name=names.INGESTION,
    kinds={"postgres", "python"},
    pool="enedis_api",
    check_specs=SYNC_CHECKS,
    deps=[*METER_APIS, names.CSV_EXPORTS],
    **table_asset("raw_load_curves", "landing", ingest),
)
def raw_load_curves(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    enedis: EnedisResource,
    ores: OresResource,
    sync_policy: SyncPolicyResource,
) -> Iterator[AssetEvent]:
    """Meter API answers exactly as received (one row per meter × endpoint × window, JSON + SHA-256) and the
    per-day fetch state. Final days are never requested again; nightly runs re-fetch the trailing window."""
    started = time.monotonic()
    partitions = run_partitions(context, warehouse)
    policy = sync_policy.policy(context)
    processes = sync_policy.build_processes if len(partitions) >= sync_policy.build_processes_from else 0
    chain = month_chain(context, warehouse, policy.reference, processes) if sync_policy.build_while_fetching else None
    try:
        summary = sync_partitions(
            warehouse.connect,
            meter_clients(policy, enedis, ores),
            partitions,
            policy,
            actor=f"run:{context.run.run_id}",
            options=SyncOptions(
                run_id=context.run.run_id,
                on_month_landed=chain,
                on_progress=lambda etas: report_progress(context, etas),
                quota_of=enedis.quota_of(policy.mode),
            ),
        )
    finally:
        if chain is not None:
            chain.close()
    for building, error in summary.failures.items():
        context.log.error(f"{building}: {error}")
    if summary.failures:
        raise dg.Failure(
            f"{len(summary.failures)} building(s) failed; the others were committed, and so were the windows of "
            "the failed building(s) that landed before the failure",
            metadata={"failed": dg.MetadataValue.json(sorted(summary.failures))},
        )
    for meter, error in summary.meter_errors.items():
        context.log.warning(f"{meter}: {error} (its missing days are retried by the next run)")
    if summary.nothing_fetched:  # nothing new to build from: the run fails now (the ops webhook fires)
        raise dg.Failure(
            summary.nothing_fetched,
            metadata={
                "windows_planned": summary.windows_planned,
                "api_calls": summary.api_calls,
                "meter_errors": dg.MetadataValue.json(summary.meter_errors),
            },
        )
    for building, why in summary.lost_buildings.items():  # the run fails at its end (every_building_fetched)
        context.log.error(f"{building} lost every meter this run: {why}")
    for bm in partitions:
        counts = summary.month_counts(bm)
        report = summary.report_of(bm.building)
        record(
            context,
            bm,
            {
                "reference_date": policy.reference.isoformat(),
                "api_calls": counts.api_calls,
                "windows_landed": counts.windows_landed,
                "days_requested": counts.days_requested,
                "gaps": len(counts.no_data_days),
                "gap_days_sample": dg.MetadataValue.json(counts.no_data_days[:GAP_SAMPLE]),
                "gaps_retried": counts.gaps_retried,
                "gaps_filled": counts.gaps_filled,
                "gaps_given_up": counts.gaps_given_up,
                "consent_lost": dg.MetadataValue.json(sorted(report.consent_lost) if report else []),
            },
        )
    context.log.info(_run_totals(summary, time.monotonic() - started))
    yield dg.MaterializeResult()
    yield from check_events(
        context,
        [
            evaluation(
                context,
                names.EVERY_METER_SYNCED,
                bm,
                passed=not errors,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{bm}: every meter answered" if not errors else f"{bm}: {len(errors)} meter(s) failed",
                metadata={"meter_errors": dg.MetadataValue.json(errors)},
            )
            for bm in partitions
            for errors in [_meter_errors(summary, bm.building)]
        ]
        + [
            evaluation(  # an HTTP 200 without any point for an expected day: reported, never a quiet gap
                context,
                names.NO_SILENT_EMPTY_ANSWER,
                bm,
                passed=not empty,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{bm}: every expected day answered with data"
                if not empty
                else f"{bm}: {sum(len(d) for d in empty.values())} day(s) answered 200 without any point",
                metadata={
                    "days": sum(len(d) for d in empty.values()),
                    "empty_answers": dg.MetadataValue.json(empty),
                },
            )
            for bm in partitions
            for empty in [_empty_answers(summary, bm)]
        ]
        + [
            evaluation(  # quarantined points (kept as received, never read into the tables): lib/sync/quarantine.py
                context,
                names.NO_IMPLAUSIBLE_VALUE,
                bm,
                passed=not points,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{bm}: every value within the plausibility bounds"
                if not points
                else f"{bm}: {sum(len(p) for p in points.values())} implausible value(s) quarantined",
                metadata={
                    "points": sum(len(p) for p in points.values()),
                    "implausible_values": dg.MetadataValue.json(points),
                },
            )
            for bm in partitions
            for points in [_of_month(summary.report_of(bm.building), "implausible", bm)]
        ],
    )


def _meter_errors(summary: SyncSummary, building: str) -> dict[str, str]:
    report = summary.report_of(building)
    return {f"{building}/{m}": e for m, e in report.meter_errors.items()} if report else {}


def _empty_answers(summary: SyncSummary, bm: BuildingMonth) -> dict[str, list[str]]:
    """Meter → days of this building-month that an HTTP 200 answered without any point."""
    return _of_month(summary.report_of(bm.building), "empty_answers", bm)


def _of_month(report: ingest.IngestReport | None, field: str, bm: BuildingMonth) -> dict[str, list[str]]:
    """building/meter → the entries of a per-meter report field (each starting with its local day) in this month."""
    if report is None:
        return {}
    month = bm.month.isoformat()[:7]
    entries: dict[str, list[str]] = getattr(report, field)
    found = {f"{bm.building}/{m}": [d for d in days if d.startswith(month)] for m, days in entries.items()}
    return {m: days for m, days in found.items() if days}


def _run_totals(summary: SyncSummary, seconds: float) -> str:
    return (
        f"run totals: {summary.api_calls} API call(s), {summary.windows_landed} window(s) landed, "
        f"{summary.windows_failed} failed, {len(summary.no_data_days)} day(s) without data, "
        f"{len(summary.consent_lost)} consent(s) lost, {seconds:.1f} s"
    )


def month_chain(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reference: date, processes: int = 0
) -> MonthChain | ProcessMonthChain | None:
    """The run's table assets, built month by month while the sync still fetches (their steps then report what
    was built), in `processes` worker processes (0: in the run's builder threads); None when the run materializes
    none of them."""
    keys = context.run.asset_selection or context.job_def.asset_layer.executable_asset_keys  # empty: the whole job
    selected = {key.to_user_string() for key in keys}
    return run_chain(warehouse.database_url, context.run.run_id, reference, selected, processes)


def report_progress(context: dg.AssetExecutionContext, etas: list[BuildingEta]) -> None:
    """A long run's progress in its log and its tags (runs list): windows done per building and the ETA."""
    done, planned = sum(e.done for e in etas), sum(e.planned for e in etas)
    last = max((e.eta for e in etas if e.eta is not None), default=None)
    lines = [
        f"{e.building}: {e.done}/{e.planned} window(s)" + (f", ETA {e.eta:%Y-%m-%d %H:%M:%S} UTC" if e.eta else "")
        for e in etas
        if e.remaining or e.done
    ]
    context.log.info(f"sync progress: {done}/{planned} window(s); " + "; ".join(lines[:50]))
    tags = {names.PROGRESS_TAG: f"{done}/{planned} windows"}
    if last is not None:
        tags[names.ETA_TAG] = f"{last:%Y-%m-%d %H:%M} UTC"
    context.instance.add_run_tags(context.run.run_id, tags)
