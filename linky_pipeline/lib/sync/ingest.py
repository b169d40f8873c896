"""Plan what a building still needs as API windows, and land each answered window on its own: its raw answer and
its days' fetch state in one transaction, so a killed run loses at most the windows in flight."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.coverage import NOT_MEASURED, day_coverage, day_status
from linky_pipeline.lib.domain.localtime import days_in_range, month_start
from linky_pipeline.lib.domain.policy import GAP_STATUSES, DayState, SyncPolicy
from linky_pipeline.lib.domain.registry import Building, Meter, set_activation_date
from linky_pipeline.lib.sources.catalog import provider
from linky_pipeline.lib.sources.plausibility import check_frame
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.sources.results import FetchResult
from linky_pipeline.lib.store.locks import share_building_month
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.sync.empty_answers import EmptyDays, record_empty_answers
from linky_pipeline.lib.sync.landing import KnownStates
from linky_pipeline.lib.sync.planner import cap_retries, days_to_fetch, plan_windows
from linky_pipeline.lib.sync.quarantine import LandedCheck, record_implausible

SQL = SqlFiles(__name__)
WindowDays = Callable[[Meter, str], int]  # the longest window a meter's client asks for on an endpoint


@dataclass
class MonthCounts:
    """What a run did for one building-month: a call counts in the month of the first day it asks for."""

    api_calls: int = 0
    windows_landed: int = 0
    days_requested: int = 0
    no_data_days: list[str] = field(default_factory=list)  # meter/endpoint/day
    gaps_retried: int = 0  # days missing before, asked again
    gaps_filled: int = 0  # of those, days that now have their data
    gaps_given_up: int = 0  # days no longer asked for (their reason is in fetch_state.gave_up)


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
    gaps_deferred: int = 0  # gap-only windows left for a later run (retry budget)

    def month(self, day: date) -> MonthCounts:
        """The counters of the month containing `day`."""
        return self.by_month.setdefault(month_start(day), MonthCounts())


@dataclass(frozen=True)
class FetchTask:
    """One API window for one meter and endpoint; `days` are the days it is asked for (the rest are final), with
    the states the planner saw (attempt counts carry over)."""

    meter: Meter
    endpoint: str
    start: date
    end: date
    days: list[date]
    previous: Mapping[date, DayState] = field(default_factory=dict)

    @property
    def lane(self) -> str:
        """The quota the call counts on, each with its own workers: per API for an application-wide quota
        (`enedis:<api>`, Enedis's quota keys), per building for a building's own quota (`ores:<building>`: its
        calls are spaced by that quota anyway, and one worker never races the building's tokens)."""
        quota = provider(self.meter.provider).quota
        if quota is not None and quota.scope == "building":
            return quota.key(self.meter.provider, self.meter.building_code)
        return f"{self.meter.provider}:{self.endpoint}"

    @property
    def workers_shared(self) -> bool:
        """Whether several workers may call this lane at once (not for a building's own quota)."""
        quota = provider(self.meter.provider).quota
        return quota is None or quota.scope != "building"


@dataclass(frozen=True)
class GiveUp:
    meter_pk: int
    endpoint: str
    day: date
    reason: str


@dataclass(frozen=True)
class BuildingPlan:
    building: Building
    months: list[BuildingMonth]
    meters: list[Meter]
    tasks: list[FetchTask]
    give_ups: list[GiveUp]
    deferred: int  # gap-only windows over the retry budget


@dataclass(frozen=True)
class Fetched:
    meter: Meter
    endpoint: str
    days: list[date]
    result: FetchResult


def default_window_days(meter: Meter, endpoint: str) -> int:
    return provider(meter.provider).endpoint(endpoint).max_days


def _beyond_horizon(meter: Meter, endpoint: str, states: Mapping[date, DayState], policy: SyncPolicy) -> list[GiveUp]:
    """Gaps that left the provider's history horizon: they can no longer be asked for."""
    horizon = provider(meter.provider).horizon_start(endpoint, policy.reference)
    return [
        GiveUp(
            meter.pk,
            endpoint,
            day,
            f"gave up on {policy.reference.isoformat()}: the day left {meter.provider}'s history horizon for "
            f"{endpoint} (it serves days from {horizon.isoformat()}) after {state.attempts} answer(s) without its data",
        )
        for day, state in sorted(states.items())
        if day < horizon and state.status in GAP_STATUSES and not state.is_final
    ]


def plan_building(
    building: Building,
    meters: list[Meter],
    months: list[BuildingMonth],
    known: KnownStates,
    policy: SyncPolicy,
    window_days: WindowDays = default_window_days,
) -> BuildingPlan:
    """Windows for every month of the run at once, so one call can cover a month boundary (the nightly trailing
    window early in a month) and daily endpoints use whole 365-day windows during backfills."""
    tasks: list[FetchTask] = []
    give_ups: list[GiveUp] = []
    deferred = 0
    for meter in meters:
        source = provider(meter.provider)
        for endpoint in source.endpoints_for(meter.direction):
            states = known.get((meter.pk, endpoint), {})
            give_ups += _beyond_horizon(meter, endpoint, states, policy)
            days = sorted(
                d
                for bm in months
                for d in days_to_fetch(source, endpoint, bm.month, meter.activation_date, states, policy)
            )
            windows = plan_windows(days, states, policy, window_days(meter, endpoint))
            kept, later = cap_retries(windows, policy.retry_windows_per_meter)
            deferred += len(later)
            for w in kept:
                previous = {d: states[d] for d in w.days if d in states}
                tasks.append(FetchTask(meter, endpoint, w.start, w.end, list(w.days), previous))
    return BuildingPlan(building, months, meters, tasks, give_ups, deferred)


def record_give_ups(conn: psycopg.Connection, give_ups: list[GiveUp]) -> None:
    """Caller's transaction."""
    for g in give_ups:
        conn.execute(
            SQL["give_up_day"], {"meter_pk": g.meter_pk, "endpoint": g.endpoint, "day": g.day, "reason": g.reason}
        )


def run_task(clients: Mapping[str, MeterClient], task: FetchTask) -> Fetched:
    client = clients[task.meter.provider]
    result = client.fetch(task.meter.meter_id, task.endpoint, task.start, task.end, task.meter.activation_date)
    return Fetched(task.meter, task.endpoint, task.days, result)


@dataclass
class WindowLanded:
    """What landing one fetched window did (merged into the run's report by the caller)."""

    task: FetchTask
    calls: int
    windows: int = 0
    no_data: list[date] = field(default_factory=list)
    retried: list[date] = field(default_factory=list)
    filled: list[date] = field(default_factory=list)
    given_up: list[date] = field(default_factory=list)
    empty: dict[str, list[str]] = field(default_factory=dict)
    implausible: dict[str, list[str]] = field(default_factory=dict)

    def merge_into(self, report: IngestReport) -> None:
        task = self.task
        report.api_calls += self.calls
        report.days_requested += len(task.days)
        report.windows_landed += self.windows
        if task.days:
            first = report.month(task.days[0])
            first.api_calls += self.calls
            first.windows_landed += self.windows
        for day in task.days:
            report.month(day).days_requested += 1
        for day in self.no_data:
            gap = f"{task.meter.meter_id}/{task.endpoint}/{day.isoformat()}"
            report.no_data_days.append(gap)
            report.month(day).no_data_days.append(gap)
        for day in self.retried:
            report.month(day).gaps_retried += 1
        for day in self.filled:
            report.month(day).gaps_filled += 1
        for day in self.given_up:
            report.month(day).gaps_given_up += 1
        for meter, empty in self.empty.items():
            report.empty_answers[meter] = sorted(set(report.empty_answers.get(meter, [])) | set(empty))
        for meter, points in self.implausible.items():
            report.implausible[meter] = sorted(set(report.implausible.get(meter, [])) | set(points))


def land_window(
    conn: psycopg.Connection, building: Building, fetched: Fetched, task: FetchTask, policy: SyncPolicy
) -> WindowLanded:
    """One transaction: the raw answer(s) of the window and the fetch state of its days, under the locks of the
    building-months it touches (shared, ascending, as every writer takes them)."""
    result = fetched.result
    out = WindowLanded(task, result.calls)
    with conn.transaction():
        for month in sorted({month_start(d) for d in task.days}):
            share_building_month(conn, building.code, month)  # windows land side by side, never beside a rebuild
        now = datetime.now(UTC)  # after the locks: writers of a building-month stamp in the order they commit
        for call in result.windows:
            conn.execute(
                SQL["upsert_raw_load_curve"],
                {
                    "meter_pk": task.meter.pk,
                    "endpoint": task.endpoint,
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
            out.windows += 1
        activation = result.discovered_activation_date
        if activation is not None:
            set_activation_date(conn, task.meter.pk, activation)
        kind = provider(task.meter.provider).endpoint(task.endpoint).kind
        checked = check_frame(kind, result.frame)  # a quarantined point is a missing point: its day is partial
        coverage = day_coverage(kind, checked.plausible, building.tz)
        refused = {
            d
            for call in result.windows
            if call.outcome == "before_activation"
            for d in days_in_range(call.start, call.end)
        }
        rows, with_points = [], []
        for day in task.days:
            status, points = (
                ("before_activation", 0) if day in refused else day_status(kind, day, coverage, building.tz, activation)
            )
            previous = task.previous.get(day)
            landed = policy.landed(day, status, status not in NOT_MEASURED, previous)
            if points:
                with_points.append(day)
            if status == "no_data":
                out.no_data.append(day)
            if policy.is_retry(day, previous):
                out.retried.append(day)
                if status == "complete":
                    out.filled.append(day)
            if landed.gave_up:
                out.given_up.append(day)
            rows.append(
                {
                    "meter_pk": task.meter.pk,
                    "endpoint": task.endpoint,
                    "day": day,
                    "status": status,
                    "points": points,
                    "is_final": landed.is_final,
                    "fetched_at": now,
                    "attempts": landed.attempts,
                    "next_attempt": landed.next_attempt,
                    "gave_up": landed.gave_up,
                }
            )
        with conn.cursor() as cur:
            cur.executemany(SQL["upsert_fetch_state"], rows)
        asked = set(task.days)
        empty = [d for d in result.empty_answer_days if d in asked]
        out.empty = record_empty_answers(
            conn, [EmptyDays(task.meter.pk, task.meter.meter_id, task.endpoint, empty, with_points)], now
        )
        out.implausible = record_implausible(
            conn, [LandedCheck(task.meter.pk, task.meter.meter_id, task.endpoint, building.tz, checked)], now
        )
    return out
