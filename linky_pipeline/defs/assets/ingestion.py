"""raw_load_curves: the landing table, written by the only asset that talks to the meter APIs."""

import time

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.work import Materialized, run_partitions, window_text
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.sources import EnedisResource, OresResource, meter_clients
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.sync.run import sync_partitions


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=names.INGESTION,
    kinds={"postgres", "python"},
    pool="enedis_api",
    check_specs=[
        dg.AssetCheckSpec(names.EVERY_METER_SYNCED, asset="raw_load_curves", blocking=False),
        dg.AssetCheckSpec(names.NO_SILENT_EMPTY_ANSWER, asset="raw_load_curves", blocking=False),
        dg.AssetCheckSpec(names.NO_IMPLAUSIBLE_VALUE, asset="raw_load_curves", blocking=False),
    ],
)
def raw_load_curves(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    enedis: EnedisResource,
    ores: OresResource,
    sync_policy: SyncPolicyResource,
) -> Materialized:
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
    synced = dg.AssetCheckResult(
        check_name=names.EVERY_METER_SYNCED,
        passed=not summary.meter_errors,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"meter_errors": dg.MetadataValue.json(summary.meter_errors)},
    )
    empty = dg.AssetCheckResult(  # an HTTP 200 without any point for an expected day: reported, never a quiet gap
        check_name=names.NO_SILENT_EMPTY_ANSWER,
        passed=not summary.empty_answers,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "days": sum(len(days) for days in summary.empty_answers.values()),
            "empty_answers": dg.MetadataValue.json(summary.empty_answers),
        },
    )
    implausible = dg.AssetCheckResult(  # quarantined points (kept as received, never read into the tables)
        check_name=names.NO_IMPLAUSIBLE_VALUE,
        passed=not summary.implausible,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "points": sum(len(points) for points in summary.implausible.values()),
            "implausible_values": dg.MetadataValue.json(summary.implausible),
        },
    )
    return dg.MaterializeResult(
        check_results=[synced, empty, implausible],
        metadata={
            "window": window_text(partitions),
            "reference_date": policy.reference.isoformat(),
            "api_calls": summary.api_calls,
            "windows_landed": sum(r.windows_landed for r in summary.reports),
            "days_requested": sum(r.days_requested for r in summary.reports),
            "gaps": len(summary.no_data_days),
            "gap_days_sample": dg.MetadataValue.json(summary.no_data_days[:20]),
            "consent_lost": dg.MetadataValue.json(summary.consent_lost),
            "duration_s": round(time.monotonic() - started, 2),
        },
    )
