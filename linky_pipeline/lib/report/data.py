"""The figures of one building-month's report, read from the warehouse (nothing is computed twice: kWh and € come
from the tables the pipeline built; only the by-hour split is summed from readings, priced like daily_cost)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import month_start
from linky_pipeline.lib.domain.registry import get_building, list_meters
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.tariff_store import list_tariffs, tempo_colours
from linky_pipeline.lib.tariffs.pricing import price_intervals

SQL = SqlFiles(__name__)

MONTHS_FR: Final = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
MAX_EVENTS: Final = 25


@dataclass(frozen=True)
class Comparison:
    label: str
    kwh: float | None
    eur: Decimal | None


@dataclass(frozen=True)
class Event:
    day: date
    kind: str
    severity: str
    message: str


@dataclass
class ReportData:
    building_code: str
    building_name: str
    month: date
    timezone: str
    days: pd.DataFrame  # day, kwh, eur, partial, completeness (consumption meters summed)
    hours: pd.DataFrame  # hour 0..23, kwh, eur (month totals per local hour of day)
    kwh: float
    production_kwh: float | None
    energy_eur: Decimal | None
    subscription_eur: Decimal | None
    total_eur: Decimal | None
    cost_partial: bool
    completeness: float
    days_with_data: int
    days_in_month: int
    comparisons: list[Comparison] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    events_total: int = 0

    @property
    def month_label(self) -> str:
        return f"{MONTHS_FR[self.month.month - 1]} {self.month.year}"

    @property
    def has_cost(self) -> bool:
        return self.total_eur is not None


def _label(month: date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


def _months_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _totals(conn: psycopg.Connection, building: str, month: date) -> tuple[float | None, Decimal | None]:
    row = conn.execute(SQL["month_totals"], {"building": building, "month": month}).fetchone()
    return (float(row[0]) if row and row[0] is not None else None, row[1] if row else None)


def _hours(conn: psycopg.Connection, bm: BuildingMonth) -> pd.DataFrame:
    """kWh and € per local hour of day over the month (consumption meters); the 25-hour day adds its second 02:xx
    to hour 2, as a meter would count it."""
    tariffs = list_tariffs(conn, bm.building)
    colours = tempo_colours(conn, bm.month - timedelta(days=1), bm.next_month)
    parts = []
    for meter in list_meters(conn, bm.building):
        if meter.direction != "consumption":
            continue
        rows = conn.execute(
            SQL["month_readings"], {"meter_pk": meter.pk, "start": bm.utc_start, "end": bm.utc_end}
        ).fetchall()
        if not rows:
            continue
        frame = pd.DataFrame(rows, columns=["ts", "interval_s", "kwh"])
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        eur = price_intervals(frame, tariffs, meter.pk, bm.tz, colours)["eur"] if tariffs else float("nan")
        parts.append(pd.DataFrame({"hour": frame["ts"].dt.tz_convert(bm.tz).dt.hour, "kwh": frame["kwh"], "eur": eur}))
    hours = pd.DataFrame({"hour": range(24)})
    if not parts:
        return hours.assign(kwh=0.0, eur=float("nan"))
    summed = pd.concat(parts).groupby("hour").agg(kwh=("kwh", "sum"), eur=("eur", lambda s: s.sum(min_count=1)))
    return hours.merge(summed, on="hour", how="left").fillna({"kwh": 0.0})


def report_data(conn: psycopg.Connection, bm: BuildingMonth) -> ReportData:
    building = get_building(conn, bm.building)
    params = {"building": bm.building, "start": bm.month, "end": bm.next_month, "month": bm.month}
    days = pd.DataFrame(
        conn.execute(SQL["report_days"], params).fetchall(),
        columns=["day", "kwh", "production_kwh", "completeness", "eur", "partial"],
    )
    summary = conn.execute(SQL["report_summary"], params).fetchone()
    kwh, production, completeness, with_data, days_in_month, energy, subscription, total, partial = summary or (
        (None,) * 9
    )
    comparisons = []
    for label, month in (
        ("Mois précédent", _months_back(bm.month, 1)),
        ("Même mois l'an dernier", _months_back(bm.month, 12)),
    ):
        previous_kwh, previous_eur = _totals(conn, bm.building, month)
        comparisons.append(Comparison(f"{label} ({_label(month)})", previous_kwh, previous_eur))
    events = [
        Event(day, kind, severity, message)
        for day, kind, severity, message in conn.execute(SQL["report_events"], params).fetchall()
    ]
    return ReportData(
        building_code=building.code,
        building_name=building.name,
        month=month_start(bm.month),
        timezone=building.timezone,
        days=days,
        hours=_hours(conn, bm),
        kwh=float(kwh or 0.0),
        production_kwh=float(production) if production else None,
        energy_eur=energy,
        subscription_eur=subscription,
        total_eur=total,
        cost_partial=bool(partial),
        completeness=float(completeness or 0.0),
        days_with_data=int(with_data or 0),
        days_in_month=int(days_in_month or len(bm.days)),
        comparisons=comparisons,
        events=events[:MAX_EVENTS],
        events_total=len(events),
    )
