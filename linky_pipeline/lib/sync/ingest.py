"""Fetch what a building-month still needs and land it: one transaction per building-month, nothing partial."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.enedis.errors import ConsentLostError, EnedisError
from linky_pipeline.lib.enedis.results import FetchResult
from linky_pipeline.lib.localtime import day_length_seconds, days_in_range, next_month
from linky_pipeline.lib.registry import Building, Meter, set_activation_date
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.lib.sync.horizons import CURVE_ENDPOINTS, endpoints_for
from linky_pipeline.lib.sync.planner import DayState, days_to_fetch, spanning_range

MAX_DAYS = {"consumption_load_curve": 7, "production_load_curve": 7}


class MeterApi(Protocol):
    """What the ingest needs from a meter API client (the Enedis client implements it)."""

    def fetch(self, prm: str, endpoint: str, start: date, end: date,
              activation_date: date | None = None) -> FetchResult:
        ...


@dataclass
class IngestReport:
    building: str
    month: date
    api_calls: int = 0
    windows_landed: int = 0
    days_requested: int = 0
    no_data_days: list[str] = field(default_factory=list)
    consent_lost: list[str] = field(default_factory=list)
    meter_errors: dict[str, str] = field(default_factory=dict)  # PRM → error; its days stay unfetched (retried)


@dataclass(frozen=True)
class _Fetched:
    meter: Meter
    endpoint: str
    days: list[date]
    result: FetchResult


def _known_states(conn: psycopg.Connection, meter_pks: list[int],
                  month: date) -> dict[tuple[int, str], dict[date, DayState]]:
    rows = conn.execute(load_sql("select_fetch_state"), {"meters": meter_pks, "start": month,
                                                         "end": next_month(month)})
    known: dict[tuple[int, str], dict[date, DayState]] = {}
    for meter_pk, endpoint, day, status, final in rows:
        known.setdefault((meter_pk, endpoint), {})[day] = DayState(status, final)
    return known


def _day_status(endpoint: str, day: date, frame: pd.DataFrame, tz: ZoneInfo,
                before_activation: date | None) -> tuple[str, int]:
    """(status, points) of one requested day, from what the API returned."""
    if before_activation is not None and day < before_activation:
        return "before_activation", 0
    if frame.empty:
        return "no_data", 0
    if endpoint in CURVE_ENDPOINTS:
        local_days = frame["ts"].dt.tz_convert(tz).dt.date
        mine = frame[local_days == day]
        covered = int(mine["interval_s"].sum())
        if covered == 0:
            return "no_data", 0
        return ("complete" if covered >= day_length_seconds(day, tz) else "partial"), len(mine)
    present = int((frame["day"] == day).sum())
    return ("complete" if present else "no_data"), present


def fetch_building_month(connect: Callable[[], psycopg.Connection], api: MeterApi, building: Building,
                         meters: list[Meter], month: date, reference: date, trailing_days: int,
                         nightly: bool) -> tuple[list[_Fetched], IngestReport]:
    """Plan and call the API for one building-month (no write yet)."""
    report = IngestReport(building.code, month)
    with connect() as conn:
        known = _known_states(conn, [m.pk for m in meters], month)
    fetched: list[_Fetched] = []
    for meter in meters:
        try:
            for endpoint in endpoints_for(meter.direction, meter.provider):
                days = days_to_fetch(endpoint, month, reference, meter.activation_date,
                                     known.get((meter.pk, endpoint), {}), trailing_days, nightly)
                for start, end in spanning_range(days, MAX_DAYS.get(endpoint, 365)):
                    result = api.fetch(meter.meter_id, endpoint, start, end, meter.activation_date)
                    chunk = [d for d in days if start <= d < end]
                    fetched.append(_Fetched(meter, endpoint, chunk, result))
                    report.api_calls += result.calls
                    report.days_requested += len(chunk)
        except ConsentLostError:
            report.consent_lost.append(meter.meter_id)
            fetched = [f for f in fetched if f.meter.pk != meter.pk]
        except EnedisError as exc:  # one meter's problem must not cost the other meters their data
            report.meter_errors[meter.meter_id] = f"{type(exc).__name__}: {exc}"
            fetched = [f for f in fetched if f.meter.pk != meter.pk]
    return fetched, report


def land_building_month(conn: psycopg.Connection, building: Building, fetched: list[_Fetched],
                        reference: date, trailing_days: int, report: IngestReport) -> IngestReport:
    """Write raw answers and per-day fetch state in the caller's transaction."""
    tz = ZoneInfo(building.timezone)
    now = datetime.now(UTC)
    final_before = reference - timedelta(days=trailing_days)
    for item in fetched:
        result = item.result
        for call in result.windows:
            conn.execute(load_sql("upsert_raw_load_curve"), {
                "meter_pk": item.meter.pk, "endpoint": item.endpoint, "window_start": call.start,
                "window_end": call.end, "api_version": call.api_version, "http_status": call.http_status,
                "request": json.dumps(call.request, sort_keys=True),
                "payload": json.dumps(call.payload) if call.payload is not None else None,
                "payload_sha256": call.payload_sha256, "fetched_at": now})
            report.windows_landed += 1
        activation = result.discovered_activation_date
        if activation is not None:
            set_activation_date(conn, item.meter.pk, activation)
        frame = result.frame
        refused = {d for call in result.windows if call.outcome == "before_activation"
                   for d in days_in_range(call.start, call.end)}
        for day in item.days:
            status, points = ("before_activation", 0) if day in refused else _day_status(
                item.endpoint, day, frame, tz, activation)
            if status == "no_data":
                report.no_data_days.append(f"{item.meter.meter_id}/{item.endpoint}/{day.isoformat()}")
            conn.execute(load_sql("upsert_fetch_state"), {
                "meter_pk": item.meter.pk, "endpoint": item.endpoint, "day": day, "status": status,
                "points": points, "is_final": day < final_before, "fetched_at": now})
    return report
