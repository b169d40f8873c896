"""Two sandbox buildings through Dagster, one on HP/HC and one on Tempo: their costs on a normal day and both DST
days equal a minute-by-minute count over the readings the pipeline loaded, to the cent; months add up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import psycopg
import pytest

from linky_pipeline.lib.domain.localtime import days_in_range
from linky_pipeline.lib.tables.tariff_store import add_tariff, store_tempo_days
from linky_pipeline_tests.support.hand_costs import (
    AUTUMN_DAY,
    HPHC_PRICES,
    NORMAL_DAY,
    PARIS,
    SPRING_DAY,
    TEMPO_PRICES,
    hphc_tariff,
    tempo_tariff,
)
from linky_pipeline_tests.support.pipeline import COST_ASSETS

HPHC_PRM, TEMPO_PRM = "22516914714270", "99999999999991"
CENT, SIX = Decimal("0.01"), Decimal("0.000001")


def _colour(day: date) -> str:
    """A made-up but fixed calendar: red on weekdays of the 2nd week, white on Saturdays, blue otherwise."""
    if day.weekday() == 5:
        return "WHITE"
    return "RED" if 8 <= day.day <= 14 and day.weekday() < 5 else "BLUE"


def _by_minutes(readings: list[tuple], period_of) -> dict[str, Decimal]:
    """Each interval's kWh spread evenly over its minutes, each minute priced by its local wall-clock time."""
    sums: dict[str, float] = {}
    for ts, interval_s, kwh in readings:
        for k in range(interval_s // 60):
            wall = (ts + timedelta(minutes=k)).astimezone(PARIS)
            period = period_of(wall)
            sums[period] = sums.get(period, 0.0) + kwh * 60 / interval_s
    return {p: Decimal(repr(round(v, 6))) for p, v in sums.items()}


def _hphc_period(wall) -> str:
    minute = wall.hour * 60 + wall.minute
    return "HC" if 94 <= minute < 454 or 724 <= minute < 844 else "HP"  # 01:34-07:34, 12:04-14:04


def _tempo_period(wall) -> str:
    minute = wall.hour * 60 + wall.minute
    tempo_day = wall.date() - timedelta(days=1) if minute < 360 else wall.date()
    return f"{_colour(tempo_day)}_{'HC' if minute >= 1320 or minute < 360 else 'HP'}"


def _expected_total(readings, period_of, prices: dict[str, str]) -> Decimal:
    kwh = _by_minutes(readings, period_of)
    energy = sum(((k * Decimal(prices[p])).quantize(SIX, ROUND_HALF_EVEN) for p, k in kwh.items()), Decimal(0))
    return energy + Decimal("1.000000")  # 31.00 € a month over 31 days


@pytest.fixture
def priced_buildings(db: psycopg.Connection, building, run_pipeline) -> None:
    building("hphc", (HPHC_PRM, "consumption"))
    building("tempo", (TEMPO_PRM, "consumption"))
    add_tariff(db, hphc_tariff("hphc"))
    add_tariff(db, tempo_tariff("tempo"))
    days = [*days_in_range(date(2026, 2, 28), date(2026, 4, 1)), *days_in_range(date(2026, 9, 30), date(2026, 11, 1))]
    store_tempo_days(db, {d: _colour(d) for d in days}, "test")
    db.commit()
    for month in (date(2026, 3, 1), date(2026, 10, 1)):
        assert run_pipeline(["hphc", "tempo"], month, month, assets=COST_ASSETS).success


def test_sandbox_costs_equal_a_minute_count_on_three_days(db: psycopg.Connection, priced_buildings: None) -> None:
    for code, prm, period_of, prices in (
        ("hphc", HPHC_PRM, _hphc_period, HPHC_PRICES),
        ("tempo", TEMPO_PRM, _tempo_period, TEMPO_PRICES),
    ):
        for day in (NORMAL_DAY, SPRING_DAY, AUTUMN_DAY):
            readings = db.execute(
                "SELECT r.ts, r.interval_s, r.kwh FROM readings r JOIN meters m ON m.id = r.meter_pk "
                "WHERE m.meter_id = %s AND (r.ts AT TIME ZONE 'Europe/Paris')::date = %s ORDER BY r.ts",
                (prm, day),
            ).fetchall()
            assert len(readings) == {NORMAL_DAY: 48, SPRING_DAY: 46, AUTUMN_DAY: 50}[day]
            total, partial = db.execute(
                "SELECT total_eur, partial FROM daily_cost WHERE building_code = %s AND day = %s", (code, day)
            ).fetchone()
            assert partial is False
            assert total.quantize(CENT) == _expected_total(readings, period_of, prices).quantize(CENT), (code, day)


def test_sandbox_months_are_the_sum_of_their_days(db: psycopg.Connection, priced_buildings: None) -> None:
    rows = db.execute(
        "SELECT m.building_code, m.month, m.total_eur, m.subscription_eur, m.days_priced, "
        "(SELECT sum(d.total_eur) FROM daily_cost d WHERE d.meter_pk = m.meter_pk "
        " AND date_trunc('month', d.day) = m.month), "
        "(SELECT sum(c.curve_kwh) FROM daily_consumption c WHERE c.meter_pk = m.meter_pk "
        " AND date_trunc('month', c.day) = m.month), m.kwh "
        "FROM monthly_cost m ORDER BY 1, 2"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("hphc", date(2026, 3, 1)),
        ("hphc", date(2026, 10, 1)),
        ("tempo", date(2026, 3, 1)),
        ("tempo", date(2026, 10, 1)),
    ]
    for _, _, total, subscription, days, sum_days, curve_kwh, kwh in rows:
        assert total == sum_days and subscription == Decimal("31.000000") and days == 31
        assert abs(float(kwh) - curve_kwh) < 1e-3  # priced energy is the curve's, to the Wh
