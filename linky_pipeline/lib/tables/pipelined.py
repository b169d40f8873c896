"""Every table of a building-month built as soon as its data has landed, while the run still fetches later months
(issue 16 P2: fetching and processing overlap). Each table is still one transaction per building-month under the
building-month lock, in dependency order; what was built is recorded (`run_builds`) so that the run's own table
steps report it instead of building it again. A blocking check that fails on a table stops the tables built from it
for that month, as Dagster's blocking checks would; its findings, counted in the transaction that built the table,
are recorded with it, so that the run's check steps report them instead of counting them again after the fetch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter, list_meters
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables import anomalies, cost, daily, max_power, monthly, readings, usage_alerts
from linky_pipeline.lib.tables.checks import DailyFindings, ReadingsFindings, daily_findings, readings_findings
from linky_pipeline.lib.tables.day_writes import MonthWrite
from linky_pipeline.lib.tables.month_rows import RowsWrite
from linky_pipeline.lib.tables.rebuild import Connect, Rebuilt

SQL = SqlFiles(__name__)
Build = Callable[[psycopg.Connection, BuildingMonth, list[Meter]], int | MonthWrite | RowsWrite]
Findings = ReadingsFindings | DailyFindings
Gate = Callable[[psycopg.Connection, BuildingMonth, list[Meter]], tuple[bool, Findings]]  # True: may be built upon
KEEP = timedelta(days=7)


@dataclass(frozen=True)
class Step:
    """One table: how it is built, the tables of the chain it reads, and the check that must pass to build on it."""

    table: str
    build: Build
    reads: tuple[str, ...] = ()
    gate: Gate | None = None


@dataclass
class MonthChain:
    """Builds the steps for each month it is given; callable from several threads at once (the sync's builders),
    each on a connection of its own."""

    connect: Connect
    run_id: str
    steps: list[Step]
    built: dict[str, int] = field(default_factory=dict)  # table → building-months built
    purge_old: bool = True  # the first connection purges old run_builds (False: the caller did, once per run)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _conns: list[psycopg.Connection] = field(default_factory=list)
    _purged: bool = False

    def _connection(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self.connect()
            with self._lock:
                self._conns.append(conn)
                purge, self._purged = self.purge_old and not self._purged, True
            if purge:  # once per run, not once per builder: concurrent deletes of the same rows would wait
                purge_old_run_builds(conn)
        return conn

    def __call__(self, bm: BuildingMonth) -> None:
        conn = self._connection()
        stopped: set[str] = set()
        for step in self.steps:
            if stopped.intersection(step.reads):
                stopped.add(step.table)
                continue
            started = time.monotonic()
            with conn.transaction():
                lock_building_month(conn, bm.building, bm.month)
                meters = list_meters(conn, bm.building)
                built = step.build(conn, bm, meters)
                rows, details = _recorded(built)
                if step.gate is not None:
                    passed, findings = step.gate(conn, bm, meters)
                    details["findings"] = asdict(findings)
                    if not passed:
                        stopped.add(step.table)
                conn.execute(
                    SQL["upsert_run_build"],
                    {
                        "run_id": self.run_id,
                        "table": step.table,
                        "building": bm.building,
                        "month": bm.month,
                        "rows": rows,
                        "seconds": time.monotonic() - started,
                        "details": Jsonb(details) if details else None,
                    },
                )
            with self._lock:
                self.built[step.table] = self.built.get(step.table, 0) + 1

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()


def _recorded(built: int | MonthWrite | RowsWrite) -> tuple[int, dict[str, Any]]:
    """The row count run_builds keeps (what the asset reports as the partition's rows) and the details beside it."""
    if isinstance(built, MonthWrite):
        return built.intervals_written, built.to_json()
    if isinstance(built, RowsWrite):
        return built.rows, {"written": built.written, "deleted": built.deleted}
    return built, {}


def purge_old_run_builds(conn: psycopg.Connection) -> None:
    """Forget what runs older than `KEEP` built (their steps have long reported it)."""
    with conn.transaction():
        conn.execute(SQL["delete_old_run_builds"], {"before": datetime.now(UTC) - KEEP})


def built_in_run(
    conn: psycopg.Connection, run_id: str, table: str, partitions: Iterable[BuildingMonth]
) -> dict[BuildingMonth, Rebuilt]:
    """Building-months of `partitions` this run already built for `table`, with what the build did."""
    wanted = {(bm.building, bm.month): bm for bm in partitions}
    rows = conn.execute(SQL["select_run_builds"], {"run_id": run_id, "table": table}).fetchall()
    found = {}
    for b, m, r, s, d in rows:
        if (bm := wanted.get((b, m))) is not None:
            details = d or {}
            found[bm] = Rebuilt(bm, int(r), float(s), details.get("written"), int(details.get("deleted", 0)))
    return found


def readings_built_in_run(
    conn: psycopg.Connection, run_id: str, partitions: Iterable[BuildingMonth]
) -> dict[BuildingMonth, MonthWrite]:
    """Building-months of `partitions` whose readings this run already wrote, with what it wrote."""
    return {
        bm: MonthWrite.from_json({k: v for k, v in d.items() if k != "findings"})
        for bm, d in _details(conn, run_id, "readings", partitions).items()
    }


def readings_findings_in_run(
    conn: psycopg.Connection, run_id: str, partitions: Iterable[BuildingMonth]
) -> dict[BuildingMonth, ReadingsFindings]:
    """The readings checks' findings of the building-months this run built while it fetched (counted when built)."""
    found = _details(conn, run_id, "readings", partitions)
    return {bm: ReadingsFindings(**d["findings"]) for bm, d in found.items() if "findings" in d}


def daily_findings_in_run(
    conn: psycopg.Connection, run_id: str, partitions: Iterable[BuildingMonth]
) -> dict[BuildingMonth, DailyFindings]:
    """The daily_consumption checks' findings of the building-months this run built while it fetched."""
    found = _details(conn, run_id, "daily_consumption", partitions)
    return {bm: DailyFindings(**d["findings"]) for bm, d in found.items() if "findings" in d}


def _details(
    conn: psycopg.Connection, run_id: str, table: str, partitions: Iterable[BuildingMonth]
) -> dict[BuildingMonth, dict[str, Any]]:
    wanted = {(bm.building, bm.month): bm for bm in partitions}
    rows = conn.execute(SQL["select_run_builds"], {"run_id": run_id, "table": table}).fetchall()
    return {wanted[(b, m)]: dict(d) for b, m, _, _, d in rows if (b, m) in wanted and d is not None}


def _readings_ok(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> tuple[bool, Findings]:
    found = readings_findings(conn, bm, meters)
    return found.negative_kwh == found.overlapping_intervals == found.future_intervals == 0, found


def _daily_ok(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> tuple[bool, Findings]:
    found = daily_findings(conn, bm, meters)
    return found.mismatched_days == 0, found


def sync_steps(reference: date) -> list[Step]:
    """The sync job's tables in dependency order, with the blocking checks of readings and daily_consumption."""

    def daily_of(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> RowsWrite:
        return daily.rebuild_daily(conn, bm, meters, reference)

    return [
        Step("readings", readings.rebuild_month, gate=_readings_ok),
        Step("daily_consumption", daily_of, ("readings",), gate=_daily_ok),
        Step("daily_max_power", max_power.rebuild_max_power),
        Step("monthly_consumption", monthly.rebuild_monthly, ("daily_consumption",)),
        Step("consumption_anomalies", anomalies.rebuild_anomalies, ("daily_consumption", "readings")),
        Step("daily_cost", cost.rebuild_daily_cost, ("readings", "daily_consumption")),
        Step("monthly_cost", cost.rebuild_monthly_cost, ("daily_cost",)),
        Step(
            "usage_alerts",
            usage_alerts.rebuild_usage_alerts,
            ("daily_max_power", "readings", "daily_consumption", "daily_cost"),
        ),
    ]
