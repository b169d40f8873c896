"""Partitioned asset checks: one evaluation per building-month, computed in the database (never loading a table).

Partitioned checks (AssetCheckSpec(partitions_def=...), a preview in Dagster 1.13) keep a status per
building-month: a failure stays visible on that partition until the partition passes again, whatever runs on
other partitions meanwhile. A range run evaluates them by yielding one AssetCheckEvaluation per partition
(AssetCheckResult has no partition field, and in a range run Dagster would record it without one).

ERROR + blocking where data would be wrong (negative energy, overlapping or future intervals, a curve that does
not add up to the official daily energy): downstream aggregates then do not build. WARN for gaps (real meters
have them; they are reported, not hidden).
"""

from typing import Final

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.work import evaluation
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import list_meters
from linky_pipeline.lib.store.timescale.server import failed_jobs
from linky_pipeline.lib.tables.checks import CONSERVATION_TOLERANCE, daily_findings, readings_findings
from linky_pipeline.lib.tables.pipelined import daily_findings_in_run, readings_findings_in_run
from linky_pipeline.lib.tables.summaries import Key, MeterDays, conservation_samples

_ERROR = dg.AssetCheckSeverity.ERROR
_WARN = dg.AssetCheckSeverity.WARN
SAMPLE: Final = 10

DESCRIPTIONS: Final = {
    names.NO_NEGATIVE_KWH: "No interval of the building-month has negative energy (a meter never measures < 0 "
    "kWh in one direction). Blocking: aggregates are not built on wrong data.",
    names.NO_OVERLAPPING_INTERVAL: "No two intervals of the same meter and flow overlap or repeat (each second of "
    "the month is counted once). Blocking.",
    names.NO_FUTURE_INTERVAL: "No interval ends after the run's clock (the provider cannot have measured it "
    "yet). Blocking.",
    names.CURVE_MATCHES_OFFICIAL: "On every complete day, the load-curve sum is within "
    f"{CONSERVATION_TOLERANCE:.0%} of the provider's official daily energy (energy conservation). Blocking.",
    names.COMPLETE_DAYS: "Every expected day of the building-month is complete (all its intervals received). "
    "Warning only: real meters have gaps; the failing days and the days without any data are listed.",
    names.EVERY_METER_SYNCED: "Every active meter of the building answered this run (a meter that failed keeps its "
    "days unfetched; they are asked again next run). Warning only.",
    names.TIMESCALEDB_JOBS_SUCCEED: "No TimescaleDB policy job (columnstore, retention) has its last run failed, "
    "as seen when the building-month was built. Warning only: the data are right, but compression or retention "
    "is lagging (the failures are listed; `linky-pipeline db status` shows them too). Passes on plain PostgreSQL.",
    names.NO_SILENT_EMPTY_ANSWER: "No expected day (active meter, valid consent, inside the horizon, a past day) "
    "was answered HTTP 200 without any point: such days are listed per meter, notified once, and stay gaps that "
    "are asked again (never a quiet zero). Warning only.",
    names.NO_IMPLAUSIBLE_VALUE: "No value landed this run is beyond what a meter can measure (plausibility "
    "bounds per kind and unit, finite, not negative). Such a point is quarantined: kept in the landing table as "
    "received, listed here with its meter, endpoint, interval and value, notified once per meter and day, and never "
    "read into the tables; the other points land. Warning only.",
}


def spec(name: str, asset: str, *, blocking: bool) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name,
        asset=asset,
        blocking=blocking,
        description=DESCRIPTIONS[name],
        partitions_def=building_month_partitions,
    )


READINGS_CHECKS = [
    spec(names.NO_NEGATIVE_KWH, "readings", blocking=True),
    spec(names.NO_OVERLAPPING_INTERVAL, "readings", blocking=True),
    spec(names.NO_FUTURE_INTERVAL, "readings", blocking=True),
    spec(names.TIMESCALEDB_JOBS_SUCCEED, "readings", blocking=False),
]
DAILY_CHECKS = [
    spec(names.CURVE_MATCHES_OFFICIAL, "daily_consumption", blocking=True),
    spec(names.COMPLETE_DAYS, "daily_consumption", blocking=False),
]
SYNC_CHECKS = [
    spec(names.EVERY_METER_SYNCED, "raw_load_curves", blocking=False),
    spec(names.NO_SILENT_EMPTY_ANSWER, "raw_load_curves", blocking=False),
    spec(names.NO_IMPLAUSIBLE_VALUE, "raw_load_curves", blocking=False),
]


def _verdict(bad: int, what: str, bm: BuildingMonth) -> str:
    return f"{bm}: no {what}" if bad == 0 else f"{bm}: {bad} {what}"


def readings_evaluations(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, partitions: list[BuildingMonth]
) -> list[dg.AssetCheckEvaluation]:
    out = []
    with warehouse.connect() as conn:
        failures = [f.describe() for f in failed_jobs(conn)]
        counted = readings_findings_in_run(conn, context.run.run_id, partitions)  # built while fetching
        for bm in partitions:
            out.append(
                evaluation(
                    context,
                    names.TIMESCALEDB_JOBS_SUCCEED,
                    bm,
                    passed=not failures,
                    severity=_WARN,
                    description=f"{bm}: no failed TimescaleDB job" if not failures else f"{bm}: {failures[0]}",
                    metadata={"failed_jobs": dg.MetadataValue.json(failures)},
                )
            )
            found = counted.get(bm) or readings_findings(conn, bm, list_meters(conn, bm.building))
            for name, bad, what in (
                (names.NO_NEGATIVE_KWH, found.negative_kwh, "negative interval(s)"),
                (names.NO_OVERLAPPING_INTERVAL, found.overlapping_intervals, "overlapping interval(s)"),
                (names.NO_FUTURE_INTERVAL, found.future_intervals, "interval(s) ending in the future"),
            ):
                out.append(
                    evaluation(
                        context,
                        name,
                        bm,
                        passed=bad == 0,
                        severity=_ERROR,
                        description=_verdict(bad, what, bm),
                        metadata={"bad_rows": bad},
                    )
                )
    return out


def _days(days: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.json(days[:SAMPLE])


def daily_evaluations(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    partitions: list[BuildingMonth],
    by_meter: dict[Key, list[MeterDays]],
) -> list[dg.AssetCheckEvaluation]:
    out = []
    with warehouse.connect() as conn:
        counted = daily_findings_in_run(conn, context.run.run_id, partitions)  # built while fetching
        for bm in partitions:
            found = counted.get(bm) or daily_findings(conn, bm, list_meters(conn, bm.building))
            drifting = (
                conservation_samples(
                    conn, bm, [m.pk for m in list_meters(conn, bm.building)], CONSERVATION_TOLERANCE, SAMPLE
                )
                if found.mismatched_days
                else []
            )
            out.append(
                evaluation(
                    context,
                    names.CURVE_MATCHES_OFFICIAL,
                    bm,
                    passed=found.mismatched_days == 0,
                    severity=_ERROR,
                    description=_verdict(found.mismatched_days, "complete day(s) off the official figure", bm),
                    metadata={
                        "mismatched_days": found.mismatched_days,
                        "tolerance": CONSERVATION_TOLERANCE,
                        "sample": dg.MetadataValue.json(
                            [
                                {"meter": m, "day": d.isoformat(), "official_kwh": o, "curve_kwh": c}
                                for m, d, o, c in drifting
                            ]
                        ),
                    },
                )
            )
            rows = by_meter.get((bm.building, bm.month), [])
            incomplete = [f"{r.meter_id}/{d.isoformat()}" for r in rows for d in r.incomplete]
            gaps = [f"{r.meter_id}/{d.isoformat()}" for r in rows for d in r.gap_days]
            out.append(
                evaluation(
                    context,
                    names.COMPLETE_DAYS,
                    bm,
                    passed=found.incomplete_days == 0,
                    severity=_WARN,
                    description=(
                        f"{bm}: every day complete"
                        if found.incomplete_days == 0
                        else f"{bm}: {found.incomplete_days} incomplete day(s), {found.gap_days} without any data"
                    ),
                    metadata={
                        "incomplete_days": found.incomplete_days,
                        "days_without_data": found.gap_days,
                        "incomplete_sample": _days(incomplete),
                        "without_data_sample": _days(gaps),
                    },
                )
            )
    return out
