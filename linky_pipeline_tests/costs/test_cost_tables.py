"""daily_cost / monthly_cost on the real database, from hand-made readings: the paper sums, to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import psycopg
import pytest

from linky_pipeline.lib.domain.identifiers import gs1_complete
from linky_pipeline.lib.domain.localtime import days_in_range
from linky_pipeline.lib.domain.registry import add_building, add_meter, building_months, list_meters
from linky_pipeline.lib.tables.cost import rebuild_daily_cost, rebuild_monthly_cost
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.rebuild import rebuild_partitions
from linky_pipeline.lib.tables.tariff_store import add_tariff, store_tempo_days
from linky_pipeline_tests.support.hand_costs import (
    AUTUMN_DAY,
    HPHC_EXPECTED,
    NORMAL_DAY,
    SPRING_DAY,
    TEMPO_COLOURS,
    TEMPO_EXPECTED,
    day_intervals,
    hphc_tariff,
    tempo_tariff,
)
from linky_pipeline_tests.support.pipeline import checksums

CENT = Decimal("0.01")
COST_TABLES = ("daily_cost", "daily_cost_periods", "monthly_cost", "monthly_cost_periods")


def _hand_building(db: psycopg.Connection, code: str, ean17: str, months: list[date]) -> None:
    """A building whose one meter holds the hand load on every day of `months` (imported-file meter: no API)."""
    add_building(db, code, code.title(), "Europe/Paris")
    meter = add_meter(db, code, "be_csv", gs1_complete(ean17), "consumption")
    frames = [
        day_intervals(day)
        for month in months
        for day in days_in_range(month, (month + timedelta(days=32)).replace(day=1))
    ]
    frame = pd.concat(frames, ignore_index=True)
    with db.cursor().copy("COPY readings (meter_pk, metric, ts, interval_s, kwh, quality, source) FROM STDIN") as copy:
        for ts, interval_s, kwh in frame.itertuples(index=False):
            copy.write_row((meter.pk, "consumption", ts.to_pydatetime(), interval_s, kwh, "hand", "test"))
    db.commit()


def _rebuild(pg_url: str, db: psycopg.Connection, code: str, months: list[date]) -> None:
    partitions = building_months(db, [(code, m) for m in months])
    connect = lambda: psycopg.connect(pg_url)  # noqa: E731
    rebuild_partitions(connect, partitions, lambda c, bm, m: rebuild_daily(c, bm, m, date(2026, 11, 23)))
    rebuild_partitions(connect, partitions, rebuild_daily_cost)
    rebuild_partitions(connect, partitions, rebuild_monthly_cost)


def _periods(db: psycopg.Connection, code: str, day: date) -> dict[str, tuple[str, str]]:
    rows = db.execute(
        "SELECT period, kwh, energy_eur FROM daily_cost_periods WHERE building_code = %s AND day = %s", (code, day)
    ).fetchall()
    return {p: (str(k), str(e)) for p, k, e in rows}


def _day(db: psycopg.Connection, code: str, day: date) -> tuple:
    return db.execute(
        "SELECT total_eur, subscription_eur, partial, partial_reason, completeness, tempo_colour FROM daily_cost "
        "WHERE building_code = %s AND day = %s",
        (code, day),
    ).fetchone()


@pytest.fixture
def hphc_building(db: psycopg.Connection, pg_url: str) -> str:
    months = [date(2026, 3, 1), date(2026, 10, 1)]
    _hand_building(db, "hand-hphc", "54144800000000001", months)
    add_tariff(db, hphc_tariff("hand-hphc"))
    db.commit()
    _rebuild(pg_url, db, "hand-hphc", months)
    return "hand-hphc"


def test_hphc_building_daily_and_monthly_costs_match_paper(db: psycopg.Connection, hphc_building: str) -> None:
    for day, expected in HPHC_EXPECTED.items():
        assert _periods(db, hphc_building, day) == {k: v for k, v in expected.items() if k != "total"}, day
        total, subscription, partial, reason, completeness, colour = _day(db, hphc_building, day)
        assert total.quantize(CENT) == Decimal(expected["total"]), day
        assert subscription == Decimal("1.000000")
        assert (partial, reason, completeness, colour) == (False, None, 1.0, None)
    march = db.execute(
        "SELECT kwh, energy_eur, subscription_eur, total_eur, days_priced, partial FROM monthly_cost "
        "WHERE building_code = %s AND month = '2026-03-01'",
        (hphc_building,),
    ).fetchone()
    # 30 days of 28 kWh and the 27-kWh spring day; 30 × 6.810027 + 6.603227 € of energy; 31.00 € subscription.
    assert march == (
        Decimal("867.000000"),
        Decimal("210.904037"),
        Decimal("31.000000"),
        Decimal("241.904037"),
        31,
        False,
    )
    periods = dict(
        db.execute(
            "SELECT period, kwh FROM monthly_cost_periods WHERE building_code = %s AND month = '2026-03-01'",
            (hphc_building,),
        ).fetchall()
    )
    assert periods == {"HP": Decimal("500.133323"), "HC": Decimal("366.866677")}


def test_rebuilding_a_month_leaves_cost_tables_identical(
    db: psycopg.Connection, pg_url: str, hphc_building: str
) -> None:
    before = checksums(db, COST_TABLES)
    _rebuild(pg_url, db, hphc_building, [date(2026, 3, 1), date(2026, 10, 1)])
    assert checksums(db, COST_TABLES) == before


def test_tempo_building_costs_match_paper_and_unknown_colour_is_partial(db: psycopg.Connection, pg_url: str) -> None:
    months = [date(2026, 3, 1), date(2026, 10, 1)]
    _hand_building(db, "hand-tempo", "54144800000000002", months)
    add_tariff(db, tempo_tariff("hand-tempo"))
    store_tempo_days(db, TEMPO_COLOURS, "test")
    db.commit()
    _rebuild(pg_url, db, "hand-tempo", months)
    for day, expected in TEMPO_EXPECTED.items():
        assert _periods(db, "hand-tempo", day) == {k: v for k, v in expected.items() if k != "total"}, day
        total, *_ = _day(db, "hand-tempo", day)
        assert total.quantize(CENT) == Decimal(expected["total"]), day
    total, _, partial, reason, _, colour = _day(db, "hand-tempo", date(2026, 10, 26))
    assert (partial, reason, colour) == (True, "unknown_tempo_colour", None)
    assert total == Decimal("1.777600")  # 6 kWh of BLUE_HC night + the subscription; the rest is not guessed
    october = db.execute(
        "SELECT partial, partial_days, unpriced_kwh > 0 FROM monthly_cost WHERE building_code = 'hand-tempo' "
        "AND month = '2026-10-01'"
    ).fetchone()
    assert october[0] is True and october[1] >= 1 and october[2] is True
    assert list_meters(db, "hand-tempo")  # the building's meter exists (sanity for the erasure test below)


def test_a_building_without_tariff_has_no_cost_rows(db: psycopg.Connection, pg_url: str) -> None:
    _hand_building(db, "hand-none", "54144800000000003", [date(2026, 3, 1)])
    _rebuild(pg_url, db, "hand-none", [date(2026, 3, 1)])
    assert db.execute("SELECT count(*) FROM daily_cost").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM daily_consumption").fetchone()[0] == 31
    assert {NORMAL_DAY, SPRING_DAY, AUTUMN_DAY}  # days used by the other tests
