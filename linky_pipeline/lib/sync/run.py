"""A run over many building-months: API calls run concurrently under the shared quota; each building's months
of the run are landed in one transaction, so a failure loses nothing already committed and writes nothing
partial."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg

from linky_pipeline.lib.consent.revoke import handle_consent_lost
from linky_pipeline.lib.domain.building_month import BuildingMonth, months_by_building
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import Building, Meter, get_building, list_meters
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.sync.ingest import (
    Fetched,
    FetchTask,
    IngestReport,
    MonthCounts,
    keep_healthy_meters,
    land_building,
    plan_building,
    run_task,
)
from linky_pipeline.lib.sync.landing import known_states

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]


@dataclass
class SyncSummary:
    reports: list[IngestReport] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # building → error (nothing of it was committed)

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
    def empty_answers(self) -> dict[str, list[str]]:
        """building/meter → days an HTTP 200 answered without any point (recorded and notified once)."""
        return {f"{r.building}/{m}": days for r in self.reports for m, days in r.empty_answers.items()}

    @property
    def implausible(self) -> dict[str, list[str]]:
        """building/meter → points quarantined by this run's landing (interval, value, limit)."""
        return {f"{r.building}/{m}": points for r in self.reports for m, points in r.implausible.items()}

    @property
    def consent_lost(self) -> list[str]:
        return sorted({m for r in self.reports for m in r.consent_lost})

    def report_of(self, building: str) -> IngestReport | None:
        return next((r for r in self.reports if r.building == building), None)

    def month_counts(self, bm: BuildingMonth) -> MonthCounts:
        """This run's counters for one building-month (zero when nothing was asked for it)."""
        report = self.report_of(bm.building)
        return report.by_month.get(bm.month, MonthCounts()) if report else MonthCounts()


@dataclass(frozen=True)
class _BuildingPlan:
    building: Building
    months: list[BuildingMonth]
    meters: list[Meter]
    tasks: list[FetchTask]


def _plans(connect: Connect, partitions: list[BuildingMonth], policy: SyncPolicy) -> list[_BuildingPlan]:
    plans = []
    with connect() as conn:
        for code, months in months_by_building(partitions).items():
            meters = list_meters(conn, code, active_only=True)
            known = known_states(conn, [m.pk for m in meters], months[0].month, months[-1].next_month)
            tasks = plan_building(meters, months, known, policy)
            plans.append(_BuildingPlan(get_building(conn, code), months, meters, tasks))
    return plans


def _outcome(future: Future[Fetched]) -> Fetched | Exception:
    try:
        return future.result()
    except Exception as exc:  # sorted out per meter by keep_healthy_meters
        return exc


def _land(
    connect: Connect, plan: _BuildingPlan, fetched: list[Fetched], policy: SyncPolicy, report: IngestReport, actor: str
) -> None:
    """One transaction for the building's months of this run: all of it lands, or none of it."""
    with connect() as conn, conn.transaction():
        for bm in plan.months:  # ascending: concurrent writers never wait on each other in a cycle
            lock_building_month(conn, bm.building, bm.month)
        land_building(conn, plan.building, fetched, policy, report)
        notified: set[str] = set()
        for meter in plan.meters:
            if meter.meter_id in report.consent_lost:  # consent is per meter id: every direction, one notification
                code = report.consent_lost[meter.meter_id]
                revoked = handle_consent_lost(conn, meter.pk, code, actor, notify=meter.meter_id not in notified)
                if not revoked.already_revoked:
                    notified.add(meter.meter_id)


def sync_partitions(
    connect: Connect,
    clients: Mapping[str, MeterClient],
    partitions: list[BuildingMonth],
    policy: SyncPolicy,
    actor: str,
) -> SyncSummary:
    """Plan per building over all its months, run every API call concurrently under the shared quota, then land
    each building in its own transaction; failures are collected per building, not hidden."""
    plans = _plans(connect, partitions, policy)
    summary = SyncSummary()
    with ThreadPoolExecutor(max_workers=policy.max_concurrency, thread_name_prefix="linky-sync") as pool:
        futures = {
            plan.building.code: [(task, pool.submit(run_task, clients, task)) for task in plan.tasks] for plan in plans
        }
        for plan in plans:
            report = IngestReport(plan.building.code, [bm.month for bm in plan.months])
            try:
                outcomes = [(task, _outcome(future)) for task, future in futures[plan.building.code]]
                fetched = keep_healthy_meters(outcomes, report)
                _land(connect, plan, fetched, policy, report, actor)
                summary.reports.append(report)
            except Exception as exc:  # one building failing must not hide the others' results
                log.warning("sync of %s failed: %s", plan.building.code, type(exc).__name__)
                summary.failures[plan.building.code] = f"{type(exc).__name__}: {exc}"
    return summary
