"""usage_alerts: max power above the subscribed kVA, standby rises, week-over-week increases, per building-month.

Upserted by stable id, stale ids deleted (like consumption_anomalies), so a re-run changes nothing and the outbox
keys (alert × channel × recipient) notify each alert once. Thresholds come from the building's alert rules of each
type (the lowest one, so every rule can be matched), else the global ones, else the defaults.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import psycopg

from linky_pipeline.lib.anomalies.usage import (
    RULE_WOW_COST,
    RULE_WOW_ENERGY,
    AlertRow,
    Nights,
    history_start,
    nights_of,
    power_overrun_rows,
    sorted_rows,
    standby_rows,
    week_over_week_rows,
)
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import local_midnight_utc
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.notify.rules import detection_thresholds
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.tariff_store import list_tariffs
from linky_pipeline.lib.tariffs.pricing import tariff_for

SQL = SqlFiles(__name__)


def subscribed_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> dict[tuple[int, date], float]:
    """kVA per meter and day: the contract's (meters.subscribed_kva, filled by the provider) else the tariff's."""
    contract: dict[int, float | None] = dict(
        conn.execute("SELECT id, subscribed_kva FROM meters WHERE id = ANY(%s)", ([m.pk for m in meters],)).fetchall()
    )
    tariffs = list_tariffs(conn, bm.building)
    found: dict[tuple[int, date], float] = {}
    for meter in meters:
        for day in bm.days:
            tariff = tariff_for(tariffs, meter.pk, day)
            kva = contract.get(meter.pk) or (tariff.subscribed_kva if tariff else None)
            if kva is not None:
                found[(meter.pk, day)] = float(kva)
    return found


def _max_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> list[tuple[Any, ...]]:
    """Official daily max power; for meters the provider gives none of that month, the curve's highest mean
    interval power (a lower bound of the apparent peak)."""
    params = {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month, "tz": bm.timezone}
    official = conn.execute(SQL["select_max_power_days"], params).fetchall()
    present = {row[0] for row in official}
    missing = [m.pk for m in meters if m.pk not in present]
    if not missing:
        return official
    curve = conn.execute(
        SQL["select_curve_power_days"],
        {"meters": missing, "start": bm.utc_start, "end": bm.utc_end, "tz": bm.timezone},
    ).fetchall()
    return official + curve


def _nights(conn: psycopg.Connection, bm: BuildingMonth, pks: list[int]) -> Nights:
    """Night readings since `history_start`, straight into numpy columns (instants as integer microseconds)."""
    since = history_start(bm.month)
    found = conn.execute(
        SQL["select_standby_readings"],
        {"meters": pks, "start": local_midnight_utc(since, bm.tz), "end": bm.utc_end, "tz": bm.timezone},
    ).fetchall()
    meter, ts_us, interval_s, kwh = zip(*found, strict=True) if found else ((), (), (), ())
    return nights_of(
        np.array(meter, dtype="int64"),
        np.array(ts_us, dtype="int64"),
        np.array(interval_s, dtype="int64"),
        np.array(kwh, dtype="float64"),
        bm.tz,
    )


def detect_month(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> list[AlertRow]:
    """The month's alerts: subscribed power, standby, then week over week (energy, cost), each by meter and day."""
    consumers = [m for m in meters if m.direction == "consumption"]
    if not consumers:
        return []
    thresholds = detection_thresholds(conn, bm.building)
    building, first, end = bm.building, bm.month, bm.next_month
    pks = [m.pk for m in consumers]
    power = power_overrun_rows(
        _max_power(conn, bm, consumers),
        subscribed_power(conn, bm, consumers),
        threshold_percent=thresholds["subscribed_power"],
        building_code=building,
        emit_from=first,
        emit_to=end,
    )
    standby = standby_rows(
        _nights(conn, bm, pks),
        threshold_percent=thresholds["standby_baseline_28d"],
        building_code=building,
        emit_from=first,
        emit_to=end,
    )
    found = sorted_rows(power) + sorted_rows(standby)
    week_from = bm.month - timedelta(days=14)
    for rule, query in ((RULE_WOW_ENERGY, "select_week_energy"), (RULE_WOW_COST, "select_week_cost")):
        daily = conn.execute(SQL[query], {"meters": pks, "start": week_from, "end": bm.next_month}).fetchall()
        found += sorted_rows(
            week_over_week_rows(
                daily,
                rule=rule,
                threshold_percent=thresholds[rule],
                building_code=building,
                emit_from=first,
                emit_to=end,
            )
        )
    return found


def rebuild_usage_alerts(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    rows = detect_month(conn, bm, meters)
    if rows:
        conn.cursor().executemany(SQL["upsert_usage_alert"], rows)
    conn.execute(
        SQL["delete_stale_usage_alerts"],
        {
            "building": bm.building,
            "start": bm.month,
            "end": bm.next_month,
            "keep": [str(r["alert_id"]) for r in rows],
        },
    )
    return len(rows)


def count_by_rule(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[str, int]:
    if not partitions:
        return {}
    rows = conn.execute(
        "SELECT rule, count(*) FROM usage_alerts WHERE building_code = ANY(%(b)s) AND local_day >= %(s)s "
        "AND local_day < %(e)s GROUP BY rule ORDER BY rule",
        {
            "b": sorted({bm.building for bm in partitions}),
            "s": min(bm.month for bm in partitions),
            "e": max(bm.next_month for bm in partitions),
        },
    ).fetchall()
    return {str(rule): int(n) for rule, n in rows}
