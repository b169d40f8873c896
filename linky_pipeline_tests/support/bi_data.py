"""A small, fully known warehouse content for the bi views: two buildings, three meters, recent days and months.

Dates are relative to today so that every Grafana panel (time range "last 5 years" in the tests) has rows.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg

from linky_pipeline.lib.domain.identifiers import gs1_complete

PARIS = ZoneInfo("Europe/Paris")
BRUSSELS = ZoneInfo("Europe/Brussels")
HQ_PRM = "22516914714270"
DEPOT_EAN = gs1_complete("54144800000000001")
DAYS = 35
MONTHS = 14


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass
class BiData:
    """What was inserted, so tests can recompute expectations independently of SQL."""

    meters: dict[str, int] = field(default_factory=dict)  # label -> meter_pk
    monthly: dict[tuple[str, date], float] = field(default_factory=dict)  # (label, month) -> total_kwh
    daily: dict[tuple[str, date], float] = field(default_factory=dict)  # (label, day) -> total_kwh
    current_month: date = date(2000, 1, 1)
    gap_month: date = date(2000, 1, 1)  # missing for hq_cons only
    anomalies: dict[str, str] = field(default_factory=dict)  # anomaly_id -> severity
    daily_cost: dict[date, Decimal] = field(default_factory=dict)  # hq_cons day -> total_eur


def _meter(db: psycopg.Connection, building: str, provider: str, ref: str, direction: str) -> int:
    row = db.execute(
        "INSERT INTO meters (building_code, provider, meter_id, direction, activation_date) "
        "VALUES (%s, %s, %s, %s, '2020-01-01') RETURNING id",
        (building, provider, ref, direction),
    ).fetchone()
    assert row is not None
    return int(row[0])


def seed(db: psycopg.Connection) -> BiData:
    """Insert the demo rows and commit (other connections, e.g. the BI role's, must see them)."""
    data = BiData()
    db.execute(
        "INSERT INTO buildings (code, name, timezone) VALUES ('hq', 'Siège Paris', 'Europe/Paris'), "
        "('depot-bxl', 'Dépôt Bruxelles', 'Europe/Brussels')"
    )
    data.meters["hq_cons"] = _meter(db, "hq", "enedis", HQ_PRM, "consumption")
    data.meters["hq_prod"] = _meter(db, "hq", "enedis", HQ_PRM, "production")
    data.meters["depot_cons"] = _meter(db, "depot-bxl", "ores", DEPOT_EAN, "consumption")
    building = {"hq_cons": "hq", "hq_prod": "hq", "depot_cons": "depot-bxl"}
    metric = {"hq_cons": "consumption", "hq_prod": "production", "depot_cons": "consumption"}
    zone = {"hq_cons": PARIS, "hq_prod": PARIS, "depot_cons": BRUSSELS}

    today = datetime.now(PARIS).date()
    daily_rows, power_rows = [], []
    for label, pk in data.meters.items():
        base = {"hq_cons": 300.0, "hq_prod": 40.0, "depot_cons": 120.0}[label]
        for i in range(1, DAYS + 1):
            day = today - timedelta(days=i)
            kwh = base + i
            complete = 0.5 if i == 3 else 1.0
            data.daily[(label, day)] = kwh
            daily_rows.append(
                (
                    building[label],
                    pk,
                    metric[label],
                    day,
                    kwh,
                    kwh,
                    kwh * 1.02,
                    int(48 * complete),
                    complete,
                    kwh / 96,
                    kwh / 24,
                    kwh / 48,
                )
            )
            if metric[label] == "consumption":
                peak = datetime.combine(day, time(19, 30), tzinfo=zone[label]).astimezone(UTC)
                power_rows.append((building[label], pk, day, 6000.0 + 10 * i, peak))
    with db.cursor() as cur:
        cur.executemany(
            "INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, "
            "official_kwh, curve_kwh, interval_count, expected_count, completeness, min_interval_kwh, "
            "max_interval_kwh, avg_interval_kwh) VALUES (%s, %s, %s, %s, %s, 'official', %s, %s, %s, 48, %s, "
            "%s, %s, %s)",
            daily_rows,
        )
        cur.executemany(
            "INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            power_rows,
        )

    data.current_month = today.replace(day=1)
    data.gap_month = add_months(data.current_month, -5)
    for label, pk in data.meters.items():
        base = {"hq_cons": 9000.0, "hq_prod": 1200.0, "depot_cons": 3600.0}[label]
        for k in range(MONTHS):
            month = add_months(data.current_month, -k)
            if label == "hq_cons" and month == data.gap_month:
                continue
            total = base + 100 * k + (k % 3) * 37.5
            days = calendar.monthrange(month.year, month.month)[1]
            data.monthly[(label, month)] = total
            db.execute(
                "INSERT INTO monthly_consumption (building_code, meter_pk, metric, month, total_kwh, official_kwh, "
                "curve_kwh, days_with_data, days_in_month, interval_count, expected_count, completeness, "
                "min_daily_kwh, max_daily_kwh, avg_daily_kwh) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s)",
                (
                    building[label],
                    pk,
                    metric[label],
                    month,
                    total,
                    total,
                    total,
                    days,
                    days,
                    days * 48,
                    days * 48,
                    1.0,
                    total / days * 0.8,
                    total / days * 1.2,
                    total / days,
                ),
            )

    yesterday = today - timedelta(days=1)
    for label, severity, day in (
        ("hq_cons", "Minor", yesterday),
        ("hq_cons", "Major", yesterday),
        ("depot_cons", "Critical", today - timedelta(days=2)),
    ):
        anomaly_id = hashlib.md5(f"{label}{severity}".encode(), usedforsecurity=False).hexdigest()
        data.anomalies[anomaly_id] = severity
        db.execute(
            "INSERT INTO consumption_anomalies (anomaly_id, building_code, meter_pk, metric, granularity, rule, ts, "
            "local_day, value_kwh, avg_7d, variance_percent, severity, message) VALUES (%s, %s, %s, 'consumption', "
            "'day', %s, %s, %s, 500, 300, 66.7, %s, 'Consommation supérieure à la moyenne')",
            (
                anomaly_id,
                building[label],
                data.meters[label],
                f"daily_{severity.lower()}",
                local_midnight_utc(day, zone[label]),
                day,
                severity,
            ),
        )
    _seed_costs(db, data, today)
    db.commit()
    return data


def _seed_costs(db: psycopg.Connection, data: BiData, today: date) -> None:
    """hq_cons priced on an HP/HC tariff: HP 0.27 and HC 0.20 €/kWh on a 60/40 split, 1 € subscription a day."""
    pk = data.meters["hq_cons"]
    by_month: dict[date, list[tuple[Decimal, Decimal, Decimal]]] = {}
    for i in range(1, DAYS + 1):
        day = today - timedelta(days=i)
        kwh = Decimal(str(data.daily[("hq_cons", day)]))
        hp, hc = (
            (kwh * Decimal("0.6")).quantize(Decimal("0.000001")),
            (kwh * Decimal("0.4")).quantize(Decimal("0.000001")),
        )
        energy = hp * Decimal("0.27") + hc * Decimal("0.20")
        data.daily_cost[day] = energy + 1
        by_month.setdefault(day.replace(day=1), []).append((kwh, energy, Decimal(1)))
        db.execute(
            "INSERT INTO daily_cost (building_code, meter_pk, day, tariff_id, tariff_name, tariff_kind, kwh, "
            "priced_kwh, unpriced_kwh, energy_eur, subscription_eur, total_eur, completeness, partial, partial_reason) "
            "VALUES ('hq', %s, %s, 1, 'HP/HC', 'hphc', %s, %s, 0, %s, 1, %s, %s, %s, %s)",
            (
                pk,
                day,
                kwh,
                kwh,
                energy,
                energy + 1,
                0.5 if i == 3 else 1.0,
                i == 3,
                "incomplete_day" if i == 3 else None,
            ),
        )
        for period, part, price in (("HP", hp, Decimal("0.27")), ("HC", hc, Decimal("0.20"))):
            db.execute(
                "INSERT INTO daily_cost_periods (building_code, meter_pk, day, period, kwh, eur_per_kwh, energy_eur) "
                "VALUES ('hq', %s, %s, %s, %s, %s, %s)",
                (pk, day, period, part, price, part * price),
            )
    peak_day = today - timedelta(days=2)
    db.execute(
        "INSERT INTO usage_alerts (alert_id, building_code, meter_pk, rule, period_start, local_day, value, baseline, "
        "unit, ratio_percent, threshold_percent, severity, message) VALUES (%s, 'hq', %s, 'subscribed_power', %s, %s, "
        "10.2, 9, 'kVA', 113.333, 100, 'Minor', 'Puissance maximale 10,20 kVA')",
        (hashlib.md5(b"peak", usedforsecurity=False).hexdigest(), pk, peak_day, peak_day),
    )
    for month, rows in by_month.items():
        kwh, energy, subscription = (sum(r[k] for r in rows) for k in range(3))
        days = calendar.monthrange(month.year, month.month)[1]
        db.execute(
            "INSERT INTO monthly_cost (building_code, meter_pk, month, kwh, priced_kwh, unpriced_kwh, energy_eur, "
            "subscription_eur, total_eur, days_priced, days_in_month, partial_days, completeness, partial) "
            "VALUES ('hq', %s, %s, %s, %s, 0, %s, %s, %s, %s, %s, 0, 1, %s)",
            (pk, month, kwh, kwh, energy, subscription, energy + subscription, len(rows), days, len(rows) < days),
        )
