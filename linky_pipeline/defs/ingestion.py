"""raw_load_curves: the landing table, written by the only asset that talks to the meter API."""

import time

import dagster as dg
import psycopg

from linky_pipeline.defs.context import is_nightly, run_partitions, window_text
from linky_pipeline.defs.enedis_resource import EnedisResource
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources import SyncPolicyResource, WarehouseResource
from linky_pipeline.lib.sync.run import sync_partitions


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="ingestion",
    kinds={"postgres", "python"},
    pool="enedis_api",
    check_specs=[dg.AssetCheckSpec("every_meter_synced", asset="raw_load_curves", blocking=False)],
)
def raw_load_curves(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    enedis: EnedisResource,
    sync_policy: SyncPolicyResource,
) -> dg.MaterializeResult:
    """Meter API answers exactly as received (one row per meter × endpoint × window, JSON + SHA-256) and the
    per-day fetch state. Final days are never requested again; nightly runs re-fetch the trailing window."""
    started = time.monotonic()
    work = run_partitions(context)
    reference = sync_policy.reference_date(context)

    def on_consent_lost(conn: psycopg.Connection, meter_pk: int, code: str) -> None:
        enedis.handle_consent_lost(conn, meter_pk, code, actor=f"run:{context.run.run_id}")

    summary = sync_partitions(
        warehouse.connect,
        enedis.client(reference),
        work,
        reference,
        sync_policy.trailing_days,
        is_nightly(context),
        sync_policy.max_concurrency,
        on_consent_lost,
    )
    for partition, error in summary.failures.items():
        context.log.error(f"{partition}: {error}")
    if summary.failures:
        raise dg.Failure(
            f"{len(summary.failures)} building-month(s) failed; the others were committed",
            metadata={"failed": dg.MetadataValue.json(sorted(summary.failures))},
        )
    for meter, error in summary.meter_errors.items():
        context.log.warning(f"{meter}: {error} (its missing days are retried by the next run)")
    synced = dg.AssetCheckResult(
        check_name="every_meter_synced",
        passed=not summary.meter_errors,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"meter_errors": dg.MetadataValue.json(summary.meter_errors)},
    )
    return dg.MaterializeResult(
        check_results=[synced],
        metadata={
            "window": window_text(work),
            "reference_date": reference.isoformat(),
            "api_calls": summary.api_calls,
            "windows_landed": sum(r.windows_landed for r in summary.reports),
            "days_requested": sum(r.days_requested for r in summary.reports),
            "gaps": len(summary.no_data_days),
            "gap_days_sample": dg.MetadataValue.json(summary.no_data_days[:20]),
            "consent_lost": dg.MetadataValue.json(summary.consent_lost),
            "duration_s": round(time.monotonic() - started, 2),
        },
    )
