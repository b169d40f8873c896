"""Fetch what a building still needs and land it: raw answers and per-day fetch state, nothing partial."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.coverage import day_coverage, day_status
from linky_pipeline.lib.domain.localtime import days_in_range, month_start
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import Building, Meter, set_activation_date
from linky_pipeline.lib.sources.catalog import provider
from linky_pipeline.lib.sources.errors import ConsentLostError, SourceError
from linky_pipeline.lib.sources.plausibility import check_frame
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.sources.results import FetchResult
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.sync.empty_answers import EmptyDays, record_empty_answers
from linky_pipeline.lib.sync.landing import KnownStates
from linky_pipeline.lib.sync.planner import days_to_fetch, spanning_range
from linky_pipeline.lib.sync.quarantine import LandedCheck, record_implausible

SQL = SqlFiles(__name__)


@dataclass
class MonthCounts:
    """What a run did for one building-month: a call counts in the month of the first day it asks for."""

    api_calls: int = 0
    windows_landed: int = 0
    days_requested: int = 0
    no_data_days: list[str] = field(default_factory=list)  # meter/endpoint/day


@dataclass
class IngestReport:
    building: str
    months: list[date]
    api_calls: int = 0
    windows_landed: int = 0
    days_requested: int = 0
    no_data_days: list[str] = field(default_factory=list)
    consent_lost: dict[str, str] = field(default_factory=dict)  # meter id → provider error code (403)
    meter_errors: dict[str, str] = field(default_factory=dict)  # meter id → error; its days stay unfetched
    empty_answers: dict[str, list[str]] = field(default_factory=dict)  # meter id → days a 200 answered empty
    implausible: dict[str, list[str]] = field(default_factory=dict)  # meter id → quarantined points (quarantine.py)
    by_month: dict[date, MonthCounts] = field(default_factory=dict)

    def month(self, day: date) -> MonthCounts:
        """The counters of the month containing `day`."""
        return self.by_month.setdefault(month_start(day), MonthCounts())


@dataclass(frozen=True)
class FetchTask:
    """One API range for one meter and endpoint; `days` are the days it is asked for (the rest are final)."""

    meter: Meter
    endpoint: str
    start: date
    end: date
    days: list[date]


@dataclass(frozen=True)
class Fetched:
    meter: Meter
    endpoint: str
    days: list[date]
    result: FetchResult


def plan_building(
    meters: list[Meter], months: list[BuildingMonth], known: KnownStates, policy: SyncPolicy
) -> list[FetchTask]:
    """Calls for every month of the run at once, so one call can cover a month boundary (the nightly trailing
    window early in a month) and daily endpoints use whole 365-day windows during backfills."""
    tasks: list[FetchTask] = []
    for meter in meters:
        source = provider(meter.provider)
        for endpoint in source.endpoints_for(meter.direction):
            states = known.get((meter.pk, endpoint), {})
            days = sorted(
                d
                for bm in months
                for d in days_to_fetch(source, endpoint, bm.month, meter.activation_date, states, policy)
            )
            for start, end in spanning_range(days, source.endpoint(endpoint).max_days):
                tasks.append(FetchTask(meter, endpoint, start, end, [d for d in days if start <= d < end]))
    return tasks


def run_task(clients: Mapping[str, MeterClient], task: FetchTask) -> Fetched:
    client = clients[task.meter.provider]
    result = client.fetch(task.meter.meter_id, task.endpoint, task.start, task.end, task.meter.activation_date)
    return Fetched(task.meter, task.endpoint, task.days, result)


def keep_healthy_meters(
    outcomes: Sequence[tuple[FetchTask, Fetched | BaseException]], report: IngestReport
) -> list[Fetched]:
    """Drop every answer of a meter that failed: its days stay unfetched and are asked again next run. The run's
    api_calls count every HTTP call made, the failed meters' included."""
    failed: set[int] = set()
    for task, outcome in outcomes:
        calls = outcome.result.calls if isinstance(outcome, Fetched) else getattr(outcome, "calls", 0)
        report.api_calls += calls
        if task.days:  # a call counts in the month of the first day it asks for
            report.month(task.days[0]).api_calls += calls
    for task, outcome in outcomes:
        if isinstance(outcome, ConsentLostError):
            report.consent_lost[task.meter.meter_id] = outcome.code or "consent_lost"
        elif isinstance(outcome, SourceError):
            report.meter_errors[task.meter.meter_id] = f"{type(outcome).__name__}: {outcome}"
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            continue
        failed.add(task.meter.pk)
    kept = [o for t, o in outcomes if t.meter.pk not in failed and isinstance(o, Fetched)]
    for f in kept:
        report.days_requested += len(f.days)
        for day in f.days:
            report.month(day).days_requested += 1
    return kept


def land_building(
    conn: psycopg.Connection, building: Building, fetched: list[Fetched], policy: SyncPolicy, report: IngestReport
) -> IngestReport:
    """Write raw answers and per-day fetch state in the caller's transaction."""
    now = datetime.now(UTC)
    answered: list[EmptyDays] = []
    checks: list[LandedCheck] = []
    for item in fetched:
        result = item.result
        for call in result.windows:
            conn.execute(
                SQL["upsert_raw_load_curve"],
                {
                    "meter_pk": item.meter.pk,
                    "endpoint": item.endpoint,
                    "window_start": call.start,
                    "window_end": call.end,
                    "api_version": call.api_version,
                    "http_status": call.http_status,
                    "request": json.dumps(call.request, sort_keys=True),
                    "payload": json.dumps(call.payload) if call.payload is not None else None,
                    "payload_sha256": call.payload_sha256,
                    "fetched_at": now,
                },
            )
            report.windows_landed += 1
            report.month(max(call.start, item.days[0]) if item.days else call.start).windows_landed += 1
        activation = result.discovered_activation_date
        if activation is not None:
            set_activation_date(conn, item.meter.pk, activation)
        kind = provider(item.meter.provider).endpoint(item.endpoint).kind
        checked = check_frame(kind, result.frame)  # a quarantined point is a missing point: its day is partial
        checks.append(LandedCheck(item.meter.pk, item.meter.meter_id, item.endpoint, building.tz, checked))
        coverage = day_coverage(kind, checked.plausible, building.tz)
        refused = {
            d
            for call in result.windows
            if call.outcome == "before_activation"
            for d in days_in_range(call.start, call.end)
        }
        with_points: list[date] = []
        for day in item.days:
            status, points = (
                ("before_activation", 0) if day in refused else day_status(kind, day, coverage, building.tz, activation)
            )
            if points:
                with_points.append(day)
            if status == "no_data":
                gap = f"{item.meter.meter_id}/{item.endpoint}/{day.isoformat()}"
                report.no_data_days.append(gap)
                report.month(day).no_data_days.append(gap)
            conn.execute(
                SQL["upsert_fetch_state"],
                {
                    "meter_pk": item.meter.pk,
                    "endpoint": item.endpoint,
                    "day": day,
                    "status": status,
                    "points": points,
                    "is_final": policy.final_when_landed(day),
                    "fetched_at": now,
                },
            )
        empty = [d for d in result.empty_answer_days if d in set(item.days)]
        answered.append(EmptyDays(item.meter.pk, item.meter.meter_id, item.endpoint, empty, with_points))
    report.empty_answers = record_empty_answers(conn, answered, now)
    report.implausible = record_implausible(conn, checks, now)
    return report
