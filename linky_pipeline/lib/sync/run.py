"""A run over many building-months: every API (quota key) has its own workers, each answered window lands in its own
transaction, and the run ends with a verdict.

- Per-API workers: a worker blocked on an exhausted API (its hour spent) never holds a call of another API.
- Window by window: a killed or cancelled run keeps every window it landed and loses at most those in flight; the
  next run asks only for what is missing (`SyncPolicy.wants`).
- Circuit breakers: a provider refusing our client credentials (or not configured) stops its calls at once, an API
  whose quota stays exhausted stops that API's calls, a provider failing `OUTAGE_FAILURES` windows in a row without
  any success (unavailable, or refusing freshly issued tokens) is treated as down; a meter that failed (consent
  lost, wrong direction, …) makes no further call. Their days stay unfetched and are asked by the next run.
- Verdict (`SyncSummary.failure`): nothing could be fetched at all, or a building lost every meter: the caller
  fails the run; what landed stays landed.
- Progress per building and API is counted in the landing transactions (`lib/sync/progress.py`); a nightly run
  claims its calls so that backfills leave them (`lib/sync/priority.py`).
- `on_month_landed` (optional) is called with each building-month once every window of it is done: what lets a
  caller process a month while later months are still being fetched. `builders` threads call it, each building
  always on the same thread, its months in ascending order; different buildings are processed at once (the
  callback must accept calls from several threads: `lib/tables/pipelined.MonthChain` keeps a connection per thread).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from queue import Queue

import psycopg

from linky_pipeline.lib.consent.revoke import handle_consent_lost
from linky_pipeline.lib.domain.building_month import BuildingMonth, months_by_building
from linky_pipeline.lib.domain.localtime import month_start
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import Meter, get_building, list_meters
from linky_pipeline.lib.sources.errors import (
    ApiUnavailableError,
    AuthenticationError,
    ConsentLostError,
    CredentialsRefusedError,
    QuotaExceededError,
    SourceConfigError,
    SourceError,
)
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.sync import priority, progress
from linky_pipeline.lib.sync.eta import BuildingEta, QuotaOf, building_etas
from linky_pipeline.lib.sync.ingest import (
    BuildingPlan,
    Fetched,
    FetchTask,
    IngestReport,
    MonthCounts,
    WindowDays,
    WindowLanded,
    default_window_days,
    land_window,
    plan_building,
    record_give_ups,
    run_task,
)
from linky_pipeline.lib.sync.landing import known_states

log = logging.getLogger(__name__)
Connect = Callable[[], psycopg.Connection]
OUTAGE_FAILURES = 3  # windows of one provider failing in a row (unavailable, tokens refused), no success: it is down
# errors that say nothing about a meter, only that the provider cannot be used now
_PROVIDER_DOWN = (AuthenticationError, SourceConfigError, ApiUnavailableError, QuotaExceededError)


@dataclass
class SyncSummary:
    reports: list[IngestReport] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # building → unexpected error (its other windows stay)
    lost_buildings: dict[str, str] = field(default_factory=dict)  # building → why every meter of it failed
    nothing_fetched: str | None = None  # why no window at all could be fetched (None: something was)
    windows_planned: int = 0
    windows_failed: int = 0
    run_id: str = ""

    @property
    def api_calls(self) -> int:
        return sum(r.api_calls for r in self.reports)

    @property
    def windows_landed(self) -> int:
        return sum(r.windows_landed for r in self.reports)

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

    @property
    def failure(self) -> str | None:
        """Why the run must fail (nothing fetched, buildings that lost every meter), None when it must not."""
        if self.nothing_fetched:
            return self.nothing_fetched
        if self.lost_buildings:
            listed = "; ".join(f"{b}: {why}" for b, why in sorted(self.lost_buildings.items()))
            return f"{len(self.lost_buildings)} building(s) lost every meter this run ({listed})"
        return None

    def report_of(self, building: str) -> IngestReport | None:
        return next((r for r in self.reports if r.building == building), None)

    def month_counts(self, bm: BuildingMonth) -> MonthCounts:
        """This run's counters for one building-month (zero when nothing was asked for it)."""
        report = self.report_of(bm.building)
        return report.by_month.get(bm.month, MonthCounts()) if report else MonthCounts()


@dataclass
class SyncOptions:
    """How a run reports and what it may hand over while it fetches (all optional)."""

    run_id: str | None = None
    on_month_landed: Callable[[BuildingMonth], None] | None = None
    on_progress: Callable[[list[BuildingEta]], None] | None = None
    progress_every_s: float = 60.0
    quota_of: QuotaOf | None = None  # the API's limits and window, for ETAs (None: no ETA)
    window_days: WindowDays | None = None  # default: the clients' (client_window_days)
    # Threads calling on_month_landed: a building-month's tables are round trips to the warehouse (latency-bound),
    # so several buildings are built at once (benchmarks/RESULTS.md, "Fleet scale").
    builders: int = 4


def _plans(
    connect: Connect, partitions: list[BuildingMonth], policy: SyncPolicy, opts: SyncOptions
) -> list[BuildingPlan]:
    plans = []
    with connect() as conn:
        for code, months in months_by_building(partitions).items():
            meters = list_meters(conn, code, active_only=True)
            known = known_states(conn, [m.pk for m in meters], months[0].month, months[-1].next_month)
            window_days = opts.window_days or default_window_days
            plan = plan_building(get_building(conn, code), meters, months, known, policy, window_days)
            if plan.give_ups:
                with conn.transaction():
                    record_give_ups(conn, plan.give_ups)
            plans.append(plan)
    return plans


class _Run:
    """The shared state of one run's workers (every mutation under `lock`)."""

    def __init__(
        self,
        connect: Connect,
        clients: Mapping[str, MeterClient],
        plans: list[BuildingPlan],
        policy: SyncPolicy,
        actor: str,
        opts: SyncOptions,
        run_id: str,
    ) -> None:
        self.connect, self.clients, self.plans, self.policy, self.actor, self.opts = (
            connect,
            clients,
            plans,
            policy,
            actor,
            opts,
        )
        self.run_id = run_id
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reports = {p.building.code: IngestReport(p.building.code, [bm.month for bm in p.months]) for p in plans}
        for p in plans:
            self.reports[p.building.code].gaps_deferred = p.deferred
        self.building_of = {p.building.code: p for p in plans}
        self.lanes: dict[str, deque[FetchTask]] = {}
        for plan in plans:
            for task in plan.tasks:
                self.lanes.setdefault(task.lane, deque()).append(task)
        self.pending: dict[BuildingMonth, int] = {bm: 0 for p in plans for bm in p.months}
        self.months_of: dict[int, list[BuildingMonth]] = {}
        for plan in plans:
            by_month = {bm.month: bm for bm in plan.months}
            for task in plan.tasks:
                touched = [by_month[m] for m in sorted({month_start(d) for d in task.days}) if m in by_month]
                self.months_of[id(task)] = touched
                for bm in touched:
                    self.pending[bm] += 1
        self.stopped_meters: dict[int, str] = {}
        self.stopped_providers: dict[str, str] = {}
        self.stopped_lanes: dict[str, str] = {}
        self.outage_streak: dict[str, int] = {}
        self.landed_meters: set[int] = set()
        self.landed_windows: dict[str, int] = {}  # meter id → windows landed this run
        self.notified: set[str] = set()
        self.failures: dict[str, str] = {}
        self.windows_failed = 0
        self.ready: Queue[BuildingMonth | None] = Queue()
        self.answered = threading.Condition(self.lock)  # a provider's probe ended
        self.alive: set[str] = set()  # providers that answered at least once in this run
        self.probing: set[str] = set()
        self.claims = policy.nightly

    # --- workers -------------------------------------------------------------------------------------------
    def next_task(self, lane: str) -> FetchTask | None:
        with self.lock:
            queue = self.lanes[lane]
            return queue.popleft() if queue and not self.stop.is_set() else None

    def why_skipped(self, task: FetchTask) -> str | None:
        with self.lock:
            return (
                self.stopped_providers.get(task.meter.provider)
                or self.stopped_lanes.get(task.lane)
                or self.stopped_meters.get(task.meter.pk)
                or self.failures.get(task.meter.building_code)
            )

    def worker(self, lane: str) -> None:
        conn: psycopg.Connection | None = None
        try:
            while (task := self.next_task(lane)) is not None:
                probe = self.admit(task.meter.provider)
                skipped = self.why_skipped(task)
                if skipped:
                    with self.lock:
                        self.stopped_meters.setdefault(task.meter.pk, skipped)
                    self.probed(task.meter.provider, probe, alive=False)
                    conn = self.fail(conn, task, skipped, calls=0)
                    continue
                try:
                    fetched = run_task(self.clients, task)
                except SourceError as exc:
                    self.classify(task, exc)
                    self.probed(task.meter.provider, probe, alive=not isinstance(exc, _PROVIDER_DOWN))
                    conn = self.fail(conn, task, f"{type(exc).__name__}: {exc}", calls=exc.calls)
                    continue
                except Exception as exc:  # a bug or a database failure: that building stops, the others go on
                    self.building_failed(task, exc)
                    self.probed(task.meter.provider, probe, alive=False)
                    conn = self.fail(conn, task, None, calls=0)
                    continue
                self.probed(task.meter.provider, probe, alive=True)
                try:
                    conn = conn if conn is not None and not conn.closed else self.connect()
                    landed = self.land(conn, task, fetched)
                except Exception as exc:
                    self.building_failed(task, exc)
                    _drop(conn)
                    conn = None
                    self.done(task)
                    continue
                with self.lock:
                    landed.merge_into(self.reports[task.meter.building_code])
                    self.landed_meters.add(task.meter.pk)
                    self.landed_windows[task.meter.meter_id] = self.landed_windows.get(task.meter.meter_id, 0) + 1
                    self.outage_streak[task.meter.provider] = 0
                self.done(task)
        finally:
            _drop(conn)

    def admit(self, provider: str) -> bool:
        """Until a provider has answered once in this run, one call at a time goes to it (a probe): an API that
        is down or refuses our credentials costs one call's retries, not every worker's. True for the prober."""
        with self.answered:
            while (
                provider not in self.alive
                and provider in self.probing
                and provider not in self.stopped_providers
                and not self.stop.is_set()
            ):
                self.answered.wait(timeout=0.5)
            if provider in self.alive or provider in self.stopped_providers:
                return False
            self.probing.add(provider)
            return True

    def probed(self, provider: str, probe: bool, *, alive: bool) -> None:
        if not probe and not alive:
            return
        with self.answered:
            if alive:
                self.alive.add(provider)
            if probe:
                self.probing.discard(provider)
            self.answered.notify_all()

    def land(self, conn: psycopg.Connection, task: FetchTask, fetched: Fetched) -> WindowLanded:
        plan = self.building_of[task.meter.building_code]
        with conn.transaction():
            landed = land_window(conn, plan.building, fetched, task, self.policy)
            progress.count_window(conn, self.run_id, plan.building.code, task.lane, landed.calls, landed=True)
            if self.claims:
                priority.spend(conn, self.run_id, task.lane, landed.calls)
        return landed

    def fail(
        self, conn: psycopg.Connection | None, task: FetchTask, error: str | None, calls: int
    ) -> psycopg.Connection | None:
        """A window that did not land: counted (with the HTTP calls it made: a failed meter still spent quota), its
        days left unfetched."""
        with self.lock:
            self.windows_failed += 1
            report = self.reports[task.meter.building_code]
            if error is not None:
                report.meter_errors.setdefault(task.meter.meter_id, error)
            report.api_calls += calls
            if task.days:  # a call counts in the month of the first day it asks for
                report.month(task.days[0]).api_calls += calls
        try:
            conn = conn if conn is not None and not conn.closed else self.connect()
            with conn.transaction():
                progress.count_window(conn, self.run_id, task.meter.building_code, task.lane, calls, landed=False)
        except psycopg.Error as exc:
            log.warning("progress of %s not counted: %s", task.lane, type(exc).__name__)
            _drop(conn)
            conn = None
        self.done(task)
        return conn

    def classify(self, task: FetchTask, exc: SourceError) -> None:
        """What one failed window says about the rest of the run's calls."""
        meter, lane, name = task.meter, task.lane, task.meter.provider
        text = f"{type(exc).__name__}: {exc}"
        with self.lock:
            if isinstance(exc, (CredentialsRefusedError, SourceConfigError)):
                self.stopped_providers.setdefault(name, f"{name} refused or lacks its credentials ({text})")
            elif isinstance(exc, QuotaExceededError):
                self.stopped_lanes.setdefault(lane, f"quota of {lane} exhausted ({text})")
            elif isinstance(exc, (ApiUnavailableError, AuthenticationError)):
                # a fresh token refused on one call may be that meter's gateway: the provider is down only when
                # it keeps failing without a single success
                self.outage_streak[name] = self.outage_streak.get(name, 0) + 1
                if self.outage_streak[name] >= OUTAGE_FAILURES:
                    what = "refuses its fresh tokens" if isinstance(exc, AuthenticationError) else "unavailable:"
                    self.stopped_providers.setdefault(
                        name, f"{name} {what} {self.outage_streak[name]} windows failed in a row ({text})"
                    )
            self.stopped_meters.setdefault(meter.pk, text)
        if isinstance(exc, ConsentLostError):
            self.consent_lost(task, exc)

    def consent_lost(self, task: FetchTask, exc: ConsentLostError) -> None:
        """Mark every direction of the meter, notify once, and say what was kept."""
        plan = self.building_of[task.meter.building_code]
        code = exc.code or "consent_lost"
        siblings = [m for m in plan.meters if m.meter_id == task.meter.meter_id]
        with self.lock:
            for m in siblings:
                self.stopped_meters.setdefault(m.pk, f"ConsentLostError: {exc}")
            first = task.meter.meter_id not in self.notified
            self.notified.add(task.meter.meter_id)
            report = self.reports[plan.building.code]
            report.consent_lost[task.meter.meter_id] = code
            kept = self.landed_windows.get(task.meter.meter_id, 0)
        if not first:
            return
        with self.connect() as conn, conn.transaction():
            for m in siblings:
                handle_consent_lost(conn, m.pk, code, self.actor, notify=m is siblings[0])
        log.warning(
            "consent revoked mid-run for meter %s of %s (%s): the %d window(s) received before it are kept; its "
            "other days stay unfetched",
            task.meter.meter_id,
            plan.building.code,
            code,
            kept,
        )

    def building_failed(self, task: FetchTask, exc: Exception) -> None:
        log.warning("sync of %s failed: %s", task.meter.building_code, type(exc).__name__)
        with self.lock:
            self.failures.setdefault(task.meter.building_code, f"{type(exc).__name__}: {exc}")

    def done(self, task: FetchTask) -> None:
        finished = []
        with self.lock:
            for bm in self.months_of.get(id(task), []):
                self.pending[bm] -= 1
                if self.pending[bm] == 0:
                    finished.append(bm)
        for bm in finished:
            self.ready.put(bm)

    # --- the run -------------------------------------------------------------------------------------------
    def builder(self) -> None:
        """Hands each building's months to `on_month_landed` in ascending order (a month's tables read the months
        before it: month-over-month, the anomalies' 7-day context), each once every window of it is done, on the
        building's own builder thread (buildings are independent: each is locked per building-month)."""
        callback = self.opts.on_month_landed
        order = {p.building.code: sorted(p.months) for p in self.plans}
        position = dict.fromkeys(order, 0)
        waiting: dict[str, set[BuildingMonth]] = {code: set() for code in order}
        lanes: list[Queue[BuildingMonth | None]] = [Queue() for _ in range(max(1, self.opts.builders))]
        lane_of = {code: lanes[i % len(lanes)] for i, code in enumerate(order)}
        threads = [
            threading.Thread(target=self._build, args=(lane,), name=f"linky-sync-build-{i}", daemon=True)
            for i, lane in enumerate(lanes if callback is not None else [])
        ]
        for thread in threads:
            thread.start()
        try:
            while (bm := self.ready.get()) is not None:
                code = bm.building
                waiting[code].add(bm)
                months = order[code]
                while position[code] < len(months) and months[position[code]] in waiting[code]:
                    month = months[position[code]]
                    position[code] += 1
                    if callback is not None:
                        lane_of[code].put(month)
        finally:
            for lane in lanes:
                lane.put(None)
            for thread in threads:
                thread.join()

    def _build(self, lane: Queue[BuildingMonth | None]) -> None:
        """One builder thread: a building whose processing failed is left to the caller's own steps from there on
        (its later months come to this same thread)."""
        callback = self.opts.on_month_landed
        given_up: set[str] = set()
        while (month := lane.get()) is not None:
            code = month.building
            if callback is None or code in given_up:
                continue
            with self.lock:
                failed = code in self.failures
            if failed:
                continue
            try:
                callback(month)
            except Exception as exc:  # the caller's own steps build it (and what follows) again
                given_up.add(code)
                log.warning("processing %s while fetching failed: %s: %s", month, type(exc).__name__, exc)

    def etas(self) -> list[BuildingEta]:
        with self.connect() as conn:
            rows = [r for r in progress.lanes(conn) if r.run_id == self.run_id]
        queue = [(r.building, r.api, r.remaining, r.landed, r.planned) for r in rows]
        quota_of = self.opts.quota_of or (lambda _api: None)
        return building_etas(datetime.now(UTC), queue, quota_of)

    def execute(self) -> None:
        for bm, n in self.pending.items():
            if n == 0:
                self.ready.put(bm)
        builder = threading.Thread(target=self.builder, name="linky-sync-build", daemon=True)
        builder.start()
        # Each worker sets its own event when it ends: Python 3.11's Thread.join, interrupted by the cancel, marks a
        # thread that is still running as stopped (bpo-45274), so joins would return while a window still lands.
        # A cancel may come while workers are still being started (the first one already calls).
        finished: list[threading.Event] = []
        last = time.monotonic()
        try:
            for lane, tasks in self.lanes.items():
                for i in range(min(self.policy.max_concurrency if tasks[0].workers_shared else 1, len(tasks))):
                    done = threading.Event()
                    finished.append(done)  # before start: a cancel inside start() comes once the thread exists
                    name = f"linky-sync-{lane}-{i}"
                    threading.Thread(target=self._work, args=(lane, done), name=name, daemon=True).start()
            while not all(done.is_set() for done in finished):
                for done in finished:
                    done.wait(timeout=0.2)
                if self.opts.on_progress and time.monotonic() - last >= self.opts.progress_every_s:
                    last = time.monotonic()
                    self._report_progress()
        except BaseException:  # cancelled (Dagster interrupts the step): windows in flight land, nothing else starts
            self.stop.set()
            for done in finished:
                done.wait(timeout=30)
            self.ready.put(None)
            raise
        self.ready.put(None)
        builder.join()

    def _work(self, lane: str, finished: threading.Event) -> None:
        try:
            self.worker(lane)
        finally:
            finished.set()

    def _report_progress(self) -> None:
        try:
            etas = self.etas()
        except psycopg.Error as exc:
            log.warning("progress not read: %s", type(exc).__name__)
            return
        if self.opts.on_progress:
            self.opts.on_progress(etas)

    def summary(self) -> SyncSummary:
        summary = SyncSummary(run_id=self.run_id, failures=dict(self.failures), windows_failed=self.windows_failed)
        summary.windows_planned = sum(len(p.tasks) for p in self.plans)
        for plan in self.plans:
            report = self.reports[plan.building.code]
            summary.reports.append(report)
            asked = {t.meter.pk for t in plan.tasks}
            failed = {pk: self.stopped_meters[pk] for pk in asked if pk in self.stopped_meters}
            withdrawn = {m.pk for m in plan.meters if m.meter_id in report.consent_lost}
            # a consent the customer withdrew is notified on its own (consent_lost); it is not an outage
            if asked and set(failed) == asked and set(failed) - withdrawn and plan.building.code not in self.failures:
                meters = {m.pk: f"{m.meter_id} ({m.direction})" for m in plan.meters}
                summary.lost_buildings[plan.building.code] = "; ".join(
                    f"meter {meters[pk]}: {why}" for pk, why in sorted(failed.items())
                )
        tried = any(p.tasks for p in self.plans)
        if tried and not self.landed_meters:
            reasons = sorted(set(self.stopped_providers.values()) | set(self.stopped_lanes.values()))
            if not reasons:
                reasons = sorted(set(self.stopped_meters.values()) | set(self.failures.values()))[:3]
            summary.nothing_fetched = (
                f"no meter could be fetched: 0 of {summary.windows_planned} window(s) landed ({'; '.join(reasons)})"
            )
        return summary


def _drop(conn: psycopg.Connection | None) -> None:
    """Close a connection (a broken one too); the caller opens a new one when it needs one."""
    if conn is not None:
        with suppress(psycopg.Error):
            conn.close()


@contextmanager
def _registered(connect: Connect, run: _Run) -> Iterator[None]:
    """The run, its planned windows and (nightly) its claims in the warehouse for as long as it runs."""
    planned: dict[tuple[str, str], int] = {}
    claims: dict[str, int] = {}
    for plan in run.plans:
        for task in plan.tasks:
            key = (plan.building.code, task.lane)
            planned[key] = planned.get(key, 0) + 1
            claims[task.lane] = claims.get(task.lane, 0) + 1
    with connect() as conn, conn.transaction():
        progress.start_run(conn, run.run_id, run.policy.mode, run.policy.reference, planned)
        if run.claims:
            priority.claim(conn, run.run_id, claims)
    try:
        yield
    finally:
        with connect() as conn, conn.transaction():
            if run.claims:
                priority.release(conn, run.run_id)


def sync_partitions(
    connect: Connect,
    clients: Mapping[str, MeterClient],
    partitions: list[BuildingMonth],
    policy: SyncPolicy,
    actor: str,
    options: SyncOptions | None = None,
) -> SyncSummary:
    """Plan per building over all its months, fetch every window on its API's workers, land each window as it
    comes, and return what happened (the caller fails the run when `summary.failure` says so)."""
    opts = options or SyncOptions()
    if opts.window_days is None:
        opts = replace(opts, window_days=client_window_days(clients))
    plans = _plans(connect, partitions, policy, opts)
    run = _Run(connect, clients, plans, policy, actor, opts, opts.run_id or f"sync-{uuid.uuid4().hex}")
    with _registered(connect, run):
        run.execute()
        summary = run.summary()
        with connect() as conn, conn.transaction():
            progress.finish_run(conn, run.run_id, summary.failure or _failures_text(summary), summary.lost_buildings)
    return summary


def client_window_days(clients: Mapping[str, MeterClient]) -> WindowDays:
    """A client may ask for longer windows than its provider's default (ORES's `window_days` setting)."""

    def days(meter: Meter, endpoint: str) -> int:
        custom = getattr(clients.get(meter.provider), "window_days_for", None)
        return int(custom(endpoint)) if callable(custom) else default_window_days(meter, endpoint)

    return days


def _failures_text(summary: SyncSummary) -> str | None:
    if not summary.failures:
        return None
    return f"{len(summary.failures)} building(s) failed: {', '.join(sorted(summary.failures))}"
