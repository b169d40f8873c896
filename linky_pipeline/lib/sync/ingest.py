"""Fetch what a building-month still needs and land it: one transaction per building-month, nothing partial."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.enedis.endpoints import spec_of
from linky_pipeline.lib.enedis.errors import ConsentLostError, EnedisError
from linky_pipeline.lib.enedis.results import FetchResult
from linky_pipeline.lib.localtime import day_length_seconds, days_in_range, next_month
from linky_pipeline.lib.registry import Building, Meter, set_activation_date
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.lib.sync.horizons import CURVE_ENDPOINTS, endpoints_for
from linky_pipeline.lib.sync.planner import DayState, days_to_fetch, spanning_range


class MeterApi(Protocol):
    """What the ingest needs from a meter API client (the Enedis client implements it)."""

    def fetch(
        self, prm: str, endpoint: str, start: date, end: date, activation_date: date | None = None
    ) -> FetchResult: ...


@dataclass
class IngestReport:
    building: str
    months: list[date]
    api_calls: int = 0
    windows_landed: int = 0
    days_requested: int = 0
    no_data_days: list[str] = field(default_factory=list)
    consent_lost: dict[str, str] = field(default_factory=dict)  # PRM → provider error code (403)
    meter_errors: dict[str, str] = field(default_factory=dict)  # PRM → error; its days stay unfetched (retried)


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


def known_states(
    conn: psycopg.Connection, meter_pks: list[int], months: list[date]
) -> dict[tuple[int, str], dict[date, DayState]]:
    rows = conn.execute(
        load_sql("select_fetch_state"), {"meters": meter_pks, "start": min(months), "end": next_month(max(months))}
    )
    known: dict[tuple[int, str], dict[date, DayState]] = {}
    for meter_pk, endpoint, day, status, final in rows:
        known.setdefault((meter_pk, endpoint), {})[day] = DayState(status, final)
    return known


def _per_day(endpoint: str, frame: pd.DataFrame, tz: ZoneInfo) -> dict[date, tuple[int, int]]:
    """(points, covered seconds) per local day of one answer, computed once per answer."""
    if frame.empty:
        return {}
    if endpoint in CURVE_ENDPOINTS:
        grouped = frame.assign(day=frame["ts"].dt.tz_convert(tz).dt.date).groupby("day")["interval_s"]
        return {
            d: (int(n), int(c)) for d, n, c in zip(grouped.size().index, grouped.size(), grouped.sum(), strict=True)
        }
    counts = frame["day"].value_counts()
    return {d: (int(n), 0) for d, n in counts.items()}


def _day_status(
    endpoint: str, day: date, per_day: dict[date, tuple[int, int]], tz: ZoneInfo, before_activation: date | None
) -> tuple[str, int]:
    """(status, points) of one requested day, from what the API returned."""
    if before_activation is not None and day < before_activation:
        return "before_activation", 0
    points, covered = per_day.get(day, (0, 0))
    if not points:
        return "no_data", 0
    if endpoint in CURVE_ENDPOINTS:
        return ("complete" if covered >= day_length_seconds(day, tz) else "partial"), points
    return "complete", points


def plan_building(
    meters: list[Meter],
    months: list[date],
    known: dict[tuple[int, str], dict[date, DayState]],
    reference: date,
    trailing_days: int,
    nightly: bool,
) -> list[FetchTask]:
    """Calls for every month of the run at once, so one call can cover a month boundary (the nightly trailing
    window early in a month) and daily endpoints use whole 365-day windows during backfills."""
    tasks: list[FetchTask] = []
    for meter in meters:
        for endpoint in endpoints_for(meter.direction, meter.provider):
            states = known.get((meter.pk, endpoint), {})
            days = sorted(
                d
                for month in months
                for d in days_to_fetch(
                    endpoint, month, reference, meter.activation_date, states, trailing_days, nightly
                )
            )
            for start, end in spanning_range(days, spec_of(endpoint).max_days):
                tasks.append(FetchTask(meter, endpoint, start, end, [d for d in days if start <= d < end]))
    return tasks


def run_task(api: MeterApi, task: FetchTask) -> Fetched:
    result = api.fetch(task.meter.meter_id, task.endpoint, task.start, task.end, task.meter.activation_date)
    return Fetched(task.meter, task.endpoint, task.days, result)


def keep_healthy_meters(
    outcomes: list[tuple[FetchTask, Fetched | BaseException]], report: IngestReport
) -> list[Fetched]:
    """Drop every answer of a meter that failed: its days stay unfetched and are asked again next run."""
    failed: set[int] = set()
    for task, outcome in outcomes:
        if isinstance(outcome, ConsentLostError):
            report.consent_lost[task.meter.meter_id] = outcome.code or "consent_lost"
        elif isinstance(outcome, EnedisError):
            report.meter_errors[task.meter.meter_id] = f"{type(outcome).__name__}: {outcome}"
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            continue
        failed.add(task.meter.pk)
    kept = [o for t, o in outcomes if t.meter.pk not in failed and isinstance(o, Fetched)]
    report.api_calls += sum(f.result.calls for f in kept)
    report.days_requested += sum(len(f.days) for f in kept)
    return kept


def land_building(
    conn: psycopg.Connection,
    building: Building,
    fetched: list[Fetched],
    reference: date,
    trailing_days: int,
    report: IngestReport,
) -> IngestReport:
    """Write raw answers and per-day fetch state in the caller's transaction."""
    tz = ZoneInfo(building.timezone)
    now = datetime.now(UTC)
    final_before = reference - timedelta(days=trailing_days)
    for item in fetched:
        result = item.result
        for call in result.windows:
            conn.execute(
                load_sql("upsert_raw_load_curve"),
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
        activation = result.discovered_activation_date
        if activation is not None:
            set_activation_date(conn, item.meter.pk, activation)
        per_day = _per_day(item.endpoint, result.frame, tz)
        refused = {
            d
            for call in result.windows
            if call.outcome == "before_activation"
            for d in days_in_range(call.start, call.end)
        }
        for day in item.days:
            status, points = (
                ("before_activation", 0) if day in refused else _day_status(item.endpoint, day, per_day, tz, activation)
            )
            if status == "no_data":
                report.no_data_days.append(f"{item.meter.meter_id}/{item.endpoint}/{day.isoformat()}")
            conn.execute(
                load_sql("upsert_fetch_state"),
                {
                    "meter_pk": item.meter.pk,
                    "endpoint": item.endpoint,
                    "day": day,
                    "status": status,
                    "points": points,
                    "is_final": day < final_before,
                    "fetched_at": now,
                },
            )
    return report
