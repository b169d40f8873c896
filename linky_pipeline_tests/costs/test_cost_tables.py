"""daily_cost / monthly_cost on the real database, from hand-made readings: the paper sums, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from linky_pipeline.lib.domain.registry import list_meters
from linky_pipeline.lib.tables.tariff_store import add_tariff, store_tempo_days
from linky_pipeline_tests.support.hand_building import hand_building, rebuild_costs
from linky_pipeline_tests.support.hand_costs import (
    AUTUMN_DAY,
    HPHC_EXPECTED,
    NORMAL_DAY,
    SPRING_DAY,
    TEMPO_COLOURS,
    TEMPO_EXPECTED,
    hphc_tariff,
    tempo_tariff,
)
from linky_pipeline_tests.support.pipeline import checksums

CENT = Decimal("0.01")
COST_TABLES = ("daily_cost", "daily_cost_periods", "monthly_cost", "monthly_cost_periods")


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
    hand_building(db, "hand-hphc", "54144800000000001", months)
    add_tariff(db, hphc_tariff("hand-hphc"))
    db.commit()
    rebuild_costs(pg_url, db, "hand-hphc", months)
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
    rebuild_costs(pg_url, db, hphc_building, [date(2026, 3, 1), date(2026, 10, 1)])
    assert checksums(db, COST_TABLES) == before


def test_tempo_building_costs_match_paper_and_unknown_colour_is_partial(db: psycopg.Connection, pg_url: str) -> None:
    months = [date(2026, 3, 1), date(2026, 10, 1)]
    hand_building(db, "hand-tempo", "54144800000000002", months)
    add_tariff(db, tempo_tariff("hand-tempo"))
    store_tempo_days(db, TEMPO_COLOURS, "test")
    db.commit()
    rebuild_costs(pg_url, db, "hand-tempo", months)
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
    hand_building(db, "hand-none", "54144800000000003", [date(2026, 3, 1)])
    rebuild_costs(pg_url, db, "hand-none", [date(2026, 3, 1)])
    assert db.execute("SELECT count(*) FROM daily_cost").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM daily_consumption").fetchone()[0] == 31
    assert {NORMAL_DAY, SPRING_DAY, AUTUMN_DAY}  # days used by the other tests
