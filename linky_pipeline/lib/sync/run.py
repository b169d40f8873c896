"""A run over many building-months: API calls run concurrently under the shared quota; each building-month is
landed in its own transaction, so a failure loses nothing already committed and writes nothing partial."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import psycopg

from linky_pipeline.lib.registry import Building, get_building, list_meters
from linky_pipeline.lib.sync.ingest import IngestReport, MeterApi, fetch_building_month, land_building_month
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


def _one(connect: Callable[[], psycopg.Connection], api: MeterApi, building: Building, month: date,
         reference: date, trailing_days: int, nightly: bool, on_consent_lost: ConsentLostHandler) -> IngestReport:
    with connect() as conn:
        meters = list_meters(conn, building.code, active_only=True)
    fetched, report = fetch_building_month(connect, api, building, meters, month, reference, trailing_days, nightly)
    with connect() as conn, conn.transaction():
        lock_building_month(conn, building.code, month)
        land_building_month(conn, building, fetched, reference, trailing_days, report)
        for meter in meters:
            if meter.meter_id in report.consent_lost:
                on_consent_lost(conn, meter.pk, "ADAM-DC-0008")
    return report


def sync_partitions(connect: Callable[[], psycopg.Connection], api: MeterApi, work: list[tuple[str, date]],
                    reference: date, trailing_days: int, nightly: bool, max_workers: int,
                    on_consent_lost: ConsentLostHandler) -> SyncSummary:
    """Fetch and land every (building, month) of the run; failures are collected, not hidden."""
    with connect() as conn:
        buildings = {code: get_building(conn, code) for code in sorted({b for b, _ in work})}
    summary = SyncSummary()
    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="linky-sync") as pool:
        futures = {(b, m): pool.submit(_one, connect, api, buildings[b], m, reference, trailing_days, nightly,
                                       on_consent_lost) for b, m in work}
        for (b, m), future in sorted(futures.items()):
            try:
                summary.reports.append(future.result())
            except Exception as exc:  # one building-month failing must not hide the others' results
                log.warning("sync of %s %s failed: %s", b, m, type(exc).__name__)
                summary.failures[f"{b}|{m.isoformat()}"] = f"{type(exc).__name__}: {exc}"
    return summary
