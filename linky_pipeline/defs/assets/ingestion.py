"""raw_load_curves: the landing table, written by the only asset that talks to the meter APIs."""

import time
from collections.abc import Iterator

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
from linky_pipeline.lib.sync.run import SyncSummary, sync_partitions

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
    summary = sync_partitions(
        warehouse.connect, meter_clients(policy, enedis, ores), partitions, policy, actor=f"run:{context.run.run_id}"
    )
    for building, error in summary.failures.items():
        context.log.error(f"{building}: {error}")
    if summary.failures:
        raise dg.Failure(
            f"{len(summary.failures)} building(s) failed; the others were committed",
            metadata={"failed": dg.MetadataValue.json(sorted(summary.failures))},
        )
    for meter, error in summary.meter_errors.items():
        context.log.warning(f"{meter}: {error} (its missing days are retried by the next run)")
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
        f"run totals: {summary.api_calls} API call(s), {sum(r.windows_landed for r in summary.reports)} window(s) "
        f"landed, {len(summary.no_data_days)} day(s) without data, {len(summary.consent_lost)} consent(s) lost, "
        f"{seconds:.1f} s"
    )
