"""daily_cost and monthly_cost: interval energy priced with each meter's tariff, per local day and month.

Rebuilt per building-month in the caller's transaction (lib.tables.rebuild), so a re-run replaces the month's rows
with identical ones. Days are those daily_consumption expects data for; a day without a tariff has no cost row.
Only consumption meters are priced (a tariff prices what the building draws).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.tariff_store import list_tariffs, tempo_colours
from linky_pipeline.lib.tariffs.pricing import DayCost, price_days

SQL = SqlFiles(__name__)


def meter_day_costs(conn: psycopg.Connection, bm: BuildingMonth, meter: Meter) -> list[DayCost]:
    """The priced days of one meter in the building-month (pure pricing over what the warehouse holds)."""
    tariffs = list_tariffs(conn, bm.building)
    if not tariffs:
        return []
    rows = conn.execute(
        SQL["select_readings_window"], {"meter_pk": meter.pk, "start": bm.utc_start, "end": bm.utc_end}
    ).fetchall()
    intervals = pd.DataFrame(rows, columns=["ts", "interval_s", "kwh"])
    if not intervals.empty:
        intervals["ts"] = pd.to_datetime(intervals["ts"], utc=True)
    days = [
        r[0]
        for r in conn.execute(SQL["select_cost_days"], {"meter_pk": meter.pk, "start": bm.month, "end": bm.next_month})
    ]
    colours = tempo_colours(conn, bm.month - timedelta(days=1), bm.next_month)
    return price_days(intervals, tariffs, meter.pk, days, bm.tz, colours)


def rebuild_daily_cost(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    params = {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month}
    conn.execute(SQL["delete_daily_cost_window"], params)
    conn.execute(SQL["delete_daily_cost_periods_window"], params)
    days: list[dict[str, object]] = []
    periods: list[dict[str, object]] = []
    for meter in (m for m in meters if m.direction == "consumption"):
        for cost in meter_day_costs(conn, bm, meter):
            days.append(
                {
                    "building_code": bm.building,
                    "meter_pk": meter.pk,
                    "day": cost.day,
                    "tariff_id": cost.tariff.id,
                    "tariff_name": cost.tariff.name,
                    "tariff_kind": cost.tariff.kind,
                    "tempo_colour": cost.tempo_colour,
                    "kwh": cost.kwh,
                    "priced_kwh": cost.priced_kwh,
                    "unpriced_kwh": cost.unpriced_kwh,
                    "energy_eur": cost.energy_eur,
                    "subscription_eur": cost.subscription_eur,
                    "total_eur": cost.total_eur,
                    "completeness": round(cost.completeness, 6),
                    "partial": cost.partial_reason is not None,
                    "partial_reason": cost.partial_reason,
                }
            )
            periods.extend(
                {
                    "building_code": bm.building,
                    "meter_pk": meter.pk,
                    "day": cost.day,
                    "period": p.period,
                    "kwh": p.kwh,
                    "eur_per_kwh": p.eur_per_kwh,
                    "energy_eur": p.energy_eur,
                }
                for p in cost.periods
            )
    if days:
        conn.cursor().executemany(SQL["insert_daily_cost"], days)
    if periods:
        conn.cursor().executemany(SQL["insert_daily_cost_period"], periods)
    return len(days)


def rebuild_monthly_cost(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:  # noqa: ARG001
    """From daily_cost (already rebuilt for this month): sums of exact decimals, so a month is its days."""
    params = {"building": bm.building, "month": bm.month}
    conn.execute(SQL["delete_monthly_cost_window"], params)
    conn.execute(SQL["delete_monthly_cost_periods_window"], params)
    written = conn.execute(SQL["insert_monthly_cost"], params).rowcount
    conn.execute(SQL["insert_monthly_cost_periods"], params)
    return written


def cost_summary(conn: psycopg.Connection, partitions: list[BuildingMonth], table: str) -> dict[str, int | float]:
    """Totals over the run's building-months, for the materialization: € (rounded to the cent) and partial rows."""
    if not partitions or table not in ("daily_cost", "monthly_cost"):
        return {}
    key = "day" if table == "daily_cost" else "month"
    row = conn.execute(
        SQL[f"summarise_{table}"],
        {
            "buildings": sorted({bm.building for bm in partitions}),
            "start": min(bm.month for bm in partitions),
            "end": max(bm.next_month for bm in partitions),
        },
    ).fetchone()
    rows, total, partial = row if row else (0, None, 0)
    return {f"{key}s_priced": int(rows), "total_eur": float(total or 0), "partial_rows": int(partial or 0)}
