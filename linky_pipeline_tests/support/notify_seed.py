"""Rows the notification tests need, inserted the way the pipeline would write them."""

from __future__ import annotations

from datetime import date

import psycopg

from linky_pipeline.lib.anomalies.detect import anomaly_id
from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc


def seed_building(
    conn: psycopg.Connection,
    code: str = "res-verte",
    name: str = "Résidence Verte",
    prm: str = "22516914714270",
    direction: str = "consumption",
) -> int:
    """A building with one meter; returns the meter pk."""
    conn.execute(
        "INSERT INTO buildings (code, name, timezone) VALUES (%s, %s, 'Europe/Paris') ON CONFLICT DO NOTHING",
        (code, name),
    )
    row = conn.execute(
        "INSERT INTO meters (building_code, provider, meter_id, direction) VALUES (%s, 'enedis', %s, %s) RETURNING id",
        (code, prm, direction),
    ).fetchone()
    assert row is not None
    return int(row[0])


def seed_day_anomaly(
    conn: psycopg.Connection,
    meter_pk: int,
    day: date,
    value: float,
    avg: float,
    building: str = "res-verte",
    metric: str = "consumption",
) -> str:
    """One day anomaly row as the detector would write it."""
    ts = local_midnight_utc(day, PARIS)
    aid = anomaly_id(meter_pk, "day", "daily_vs_ma7", ts)
    variance = (value / avg - 1) * 100
    severity = "Critical" if value / avg > 2 else "Major" if value / avg >= 1.5 else "Minor"
    conn.execute(
        "INSERT INTO consumption_anomalies (anomaly_id, building_code, meter_pk, metric, granularity, rule, ts,"
        " local_day, value_kwh, avg_7d, variance_percent, severity, message)"
        " VALUES (%s, %s, %s, %s, 'day', 'daily_vs_ma7', %s, %s, %s, %s, %s, %s, %s)",
        (
            aid,
            building,
            meter_pk,
            metric,
            ts,
            day,
            value,
            avg,
            variance,
            severity,
            f"Consommation {round(variance)}% supérieure à la moyenne mobile 7 jours",
        ),
    )
    return aid


def add_rule(
    conn: psycopg.Connection,
    building: str | None,
    threshold: float,
    channels: list[str],
    recipients: list[str],
    metric: str = "consumption",
    severity: str = "Minor",
) -> int:
    row = conn.execute(
        "INSERT INTO alert_rules (building_code, metric, threshold_percent, severity, channels, recipients)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (building, metric, threshold, severity, channels, recipients),
    ).fetchone()
    assert row is not None
    return int(row[0])
