"""usage_alerts: max power above the subscribed kVA, standby rises, week-over-week increases, per building-month.

Upserted by stable id, stale ids deleted (like consumption_anomalies), so a re-run changes nothing and the outbox
keys (alert × channel × recipient) notify each alert once. Thresholds come from the building's alert rules of each
type (the lowest one, so every rule can be matched), else the global ones, else the defaults.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import psycopg

from linky_pipeline.lib.anomalies.usage import (
    ALERT_COLUMNS,
    RULE_WOW_COST,
    RULE_WOW_ENERGY,
    detect_power_overruns,
    detect_standby_rises,
    detect_week_over_week,
    history_start,
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


def _max_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> pd.DataFrame:
    """Official daily max power; for meters the provider gives none of that month, the curve's highest mean
    interval power (a lower bound of the apparent peak)."""
    params = {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month, "tz": bm.timezone}
    official = pd.DataFrame(
        conn.execute(SQL["select_max_power_days"], params).fetchall(), columns=["meter_pk", "day", "max_power_va"]
    )
    missing = [m.pk for m in meters if m.pk not in set(official["meter_pk"])]
    if not missing:
        return official
    curve = pd.DataFrame(
        conn.execute(
            SQL["select_curve_power_days"],
            {"meters": missing, "start": bm.utc_start, "end": bm.utc_end, "tz": bm.timezone},
        ).fetchall(),
        columns=["meter_pk", "day", "max_power_va"],
    )
    return pd.concat([official, curve], ignore_index=True) if not official.empty else curve


def detect_month(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> pd.DataFrame:
    consumers = [m for m in meters if m.direction == "consumption"]
    if not consumers:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    thresholds = detection_thresholds(conn, bm.building)
    building, first, end = bm.building, bm.month, bm.next_month
    pks = [m.pk for m in consumers]
    power = detect_power_overruns(
        _max_power(conn, bm, consumers),
        subscribed_power(conn, bm, consumers),
        building_code=building,
        emit_from=first,
        emit_to=end,
        threshold_percent=thresholds["subscribed_power"],
    )
    since = history_start(bm.month)
    readings = pd.DataFrame(
        conn.execute(
            SQL["select_standby_readings"],
            {"meters": pks, "start": local_midnight_utc(since, bm.tz), "end": bm.utc_end},
        ).fetchall(),
        columns=["meter_pk", "ts", "interval_s", "kwh"],
    )
    standby = detect_standby_rises(
        readings,
        tz=bm.tz,
        building_code=building,
        emit_from=first,
        emit_to=end,
        threshold_percent=thresholds["standby_baseline_28d"],
    )
    week_from = bm.month - timedelta(days=14)
    weekly = []
    for rule, query in ((RULE_WOW_ENERGY, "select_week_energy"), (RULE_WOW_COST, "select_week_cost")):
        daily = pd.DataFrame(
            conn.execute(SQL[query], {"meters": pks, "start": week_from, "end": bm.next_month}).fetchall(),
            columns=["meter_pk", "day", "value", "valid"],
        )
        weekly.append(
            detect_week_over_week(
                daily,
                rule=rule,
                building_code=building,
                emit_from=first,
                emit_to=end,
                threshold_percent=thresholds[rule],
            )
        )
    parts = [p for p in (power, standby, *weekly) if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(ALERT_COLUMNS))


def rebuild_usage_alerts(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    found = detect_month(conn, bm, meters)
    rows = [dict(zip(ALERT_COLUMNS, values, strict=True)) for values in found.itertuples(index=False, name=None)]
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
