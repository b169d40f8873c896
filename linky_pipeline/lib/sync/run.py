"""A run over many building-months: API calls run concurrently under the shared quota; each building's months
of the run are landed in one transaction, so a failure loses nothing already committed and writes nothing
partial."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import psycopg

from linky_pipeline.lib.registry import Building, Meter, get_building, list_meters
from linky_pipeline.lib.sync.ingest import (
    Fetched,
    FetchTask,
    IngestReport,
    MeterApi,
    keep_healthy_meters,
    known_states,
    land_building,
    plan_building,
    run_task,
)
from linky_pipeline.lib.warehouse.locks import lock_building_month

log = logging.getLogger(__name__)
ConsentLostHandler = Callable[[psycopg.Connection, int, str], None]


@dataclass
class SyncSummary:
    reports: list[IngestReport] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def api_calls(self) -> int:
        return sum(r.api_calls for r in self.reports)

    @property
    def no_data_days(self) -> list[str]:
        return sorted(d for r in self.reports for d in r.no_data_days)

    @property
    def meter_errors(self) -> dict[str, str]:
        return {f"{r.building}/{m}": e for r in self.reports for m, e in r.meter_errors.items()}

    @property
    def consent_lost(self) -> list[str]:
        return sorted({m for r in self.reports for m in r.consent_lost})


@dataclass(frozen=True)
class _BuildingPlan:
    building: Building
    months: list[date]
    meters: list[Meter]
    tasks: list[FetchTask]


def _plans(
    connect: Callable[[], psycopg.Connection],
    work: list[tuple[str, date]],
    reference: date,
    trailing_days: int,
    nightly: bool,
) -> list[_BuildingPlan]:
    months_by_building: dict[str, list[date]] = {}
    for code, month in work:
        months_by_building.setdefault(code, []).append(month)
    plans = []
    with connect() as conn:
        for code, months in sorted(months_by_building.items()):
            meters = list_meters(conn, code, active_only=True)
            known = known_states(conn, [m.pk for m in meters], months)
            tasks = plan_building(meters, sorted(months), known, reference, trailing_days, nightly)
            plans.append(_BuildingPlan(get_building(conn, code), sorted(months), meters, tasks))
    return plans


def _outcome(future: Future[Fetched]) -> Fetched | Exception:
    try:
        return future.result()
    except Exception as exc:  # sorted out per meter by keep_healthy_meters
        return exc


def _land(
    connect: Callable[[], psycopg.Connection],
    plan: _BuildingPlan,
    fetched: list[Fetched],
    reference: date,
    trailing_days: int,
    report: IngestReport,
    on_consent_lost: ConsentLostHandler,
) -> None:
    """One transaction for the building's months of this run: all of it lands, or none of it."""
    with connect() as conn, conn.transaction():
        for month in plan.months:  # ascending: concurrent writers never wait on each other in a cycle
            lock_building_month(conn, plan.building.code, month)
        land_building(conn, plan.building, fetched, reference, trailing_days, report)
        for meter in plan.meters:
            if meter.meter_id in report.consent_lost:  # consent is per PRM: every direction of it
                on_consent_lost(conn, meter.pk, report.consent_lost[meter.meter_id])


def sync_partitions(
    connect: Callable[[], psycopg.Connection],
    api: MeterApi,
    work: list[tuple[str, date]],
    reference: date,
    trailing_days: int,
    nightly: bool,
    max_workers: int,
    on_consent_lost: ConsentLostHandler,
) -> SyncSummary:
    """Plan per building over all its months, run every API call concurrently under the shared quota, then land
    each building in its own transaction; failures are collected per building, not hidden."""
    plans = _plans(connect, work, reference, trailing_days, nightly)
    summary = SyncSummary()
    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="linky-sync") as pool:
        futures = {
            plan.building.code: [(task, pool.submit(run_task, api, task)) for task in plan.tasks] for plan in plans
        }
        for plan in plans:
            report = IngestReport(plan.building.code, plan.months)
            try:
                outcomes = [(task, _outcome(future)) for task, future in futures[plan.building.code]]
                fetched = keep_healthy_meters(outcomes, report)
                _land(connect, plan, fetched, reference, trailing_days, report, on_consent_lost)
                summary.reports.append(report)
            except Exception as exc:  # one building failing must not hide the others' results
                log.warning("sync of %s failed: %s", plan.building.code, type(exc).__name__)
                summary.failures[plan.building.code] = f"{type(exc).__name__}: {exc}"
    return summary
