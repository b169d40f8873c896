"""Pricing against sums done on paper: a normal day and both DST days, HP/HC at odd minutes and Tempo."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pandas as pd
import pytest

from linky_pipeline.lib.tariffs.pricing import (
    PricingInputError,
    price_days,
    price_intervals,
    subscription_share,
)
from linky_pipeline_tests.support.hand_costs import (
    AUTUMN_DAY,
    HPHC_EXPECTED,
    NORMAL_DAY,
    PARIS,
    SPRING_DAY,
    TEMPO_COLOURS,
    TEMPO_EXPECTED,
    day_intervals,
    hphc_tariff,
    tempo_tariff,
)

DAYS = [NORMAL_DAY, SPRING_DAY, AUTUMN_DAY]


def _all_days(interval_s: int = 1800) -> pd.DataFrame:
    return pd.concat([day_intervals(d, interval_s=interval_s) for d in DAYS], ignore_index=True)


@pytest.mark.parametrize("interval_s", [1800, 600, 3600])
def test_hphc_days_match_the_hand_computation(interval_s: int) -> None:
    costs = {c.day: c for c in price_days(_all_days(interval_s), [hphc_tariff()], 1, DAYS, PARIS)}
    for day, expected in HPHC_EXPECTED.items():
        cost = costs[day]
        got = {p.period: (str(p.kwh), str(p.energy_eur)) for p in cost.periods}
        assert got == {k: v for k, v in expected.items() if k != "total"}, day
        assert cost.subscription_eur == Decimal("1.000000")
        assert cost.total_eur.quantize(Decimal("0.01")) == Decimal(expected["total"]), day
        assert cost.partial_reason is None and cost.completeness == 1.0


def test_tempo_days_match_the_hand_computation() -> None:
    costs = {c.day: c for c in price_days(_all_days(), [tempo_tariff()], 1, DAYS, PARIS, TEMPO_COLOURS)}
    for day, expected in TEMPO_EXPECTED.items():
        cost = costs[day]
        got = {p.period: (str(p.kwh), str(p.energy_eur)) for p in cost.periods}
        assert got == {k: v for k, v in expected.items() if k != "total"}, day
        assert cost.total_eur.quantize(Decimal("0.01")) == Decimal(expected["total"]), day
        assert cost.partial_reason is None
    assert costs[NORMAL_DAY].tempo_colour == "WHITE"


def test_unknown_tempo_colour_makes_the_day_partial_and_prices_nothing_by_guess() -> None:
    day = date(2026, 10, 26)  # its own colour is unknown; the night before 06:00 is 10-25's BLUE
    (cost,) = price_days(day_intervals(day), [tempo_tariff()], 1, [day], PARIS, TEMPO_COLOURS)
    periods = {p.period: p for p in cost.periods}
    assert set(periods) == {"BLUE_HC", "UNKNOWN_HP", "UNKNOWN_HC"}
    assert periods["BLUE_HC"].energy_eur == Decimal("0.777600")  # 6 kWh × 0.1296
    assert periods["UNKNOWN_HP"].energy_eur is None and periods["UNKNOWN_HP"].eur_per_kwh is None
    assert cost.unpriced_kwh == Decimal("22.000000") and cost.priced_kwh == Decimal("6.000000")
    assert cost.energy_eur == Decimal("0.777600")
    assert cost.partial_reason == "unknown_tempo_colour"


def test_an_incomplete_day_is_partial_with_its_completeness() -> None:
    frame = day_intervals(NORMAL_DAY).iloc[:24]  # the first 12 hours only
    (cost,) = price_days(frame, [hphc_tariff()], 1, [NORMAL_DAY], PARIS)
    assert cost.completeness == 0.5
    assert cost.partial_reason == "incomplete_day"
    assert cost.kwh == Decimal("12.000000")


def test_subscription_shares_add_up_to_the_month_exactly() -> None:
    monthly = Decimal("15.6500")
    for first, days in ((date(2026, 2, 1), 28), (date(2026, 3, 1), 31), (date(2026, 4, 1), 30)):
        shares = [subscription_share(monthly, first.replace(day=k)) for k in range(1, days + 1)]
        assert sum(shares) == monthly
        assert max(shares) - min(shares) <= Decimal("0.000001")


def test_days_without_a_tariff_are_left_out_and_a_meter_tariff_wins() -> None:
    building = hphc_tariff(valid_from=date(2026, 3, 20))
    own = tempo_tariff(valid_from=date(2026, 10, 1))
    own = type(own)(**{**own.__dict__, "meter_pk": 7})
    costs = price_days(_all_days(), [building, own], 7, DAYS, PARIS, TEMPO_COLOURS)
    assert [(c.day, c.tariff.kind) for c in costs] == [(SPRING_DAY, "hphc"), (AUTUMN_DAY, "tempo")]


def test_interval_prices_split_a_straddling_interval() -> None:
    frame = day_intervals(NORMAL_DAY)
    priced = price_intervals(frame, [hphc_tariff()], 1, PARIS)
    wall = frame["ts"].dt.tz_convert(PARIS).dt.time
    at = {t: i for i, t in enumerate(wall)}
    straddling = at[time(1, 30)]  # 01:30-02:00: 4 min HP, 26 min HC at 1 kW
    assert priced.loc[straddling, "period"] == "HP+HC"
    assert priced.loc[straddling, "eur"] == pytest.approx(4 / 60 * 0.27 + 26 / 60 * 0.2068)
    assert priced.loc[at[time(3, 0)], "period"] == "HC"
    assert priced["eur"].sum() == pytest.approx(6.810027, abs=1e-6)


def test_naive_or_odd_intervals_are_refused() -> None:
    frame = day_intervals(NORMAL_DAY)
    with pytest.raises(PricingInputError, match="timezone-aware"):
        price_days(frame.assign(ts=frame["ts"].dt.tz_localize(None)), [hphc_tariff()], 1, DAYS, PARIS)
    with pytest.raises(PricingInputError, match="whole"):
        price_days(frame.assign(interval_s=1799), [hphc_tariff()], 1, DAYS, PARIS)


def test_days_without_any_reading_have_no_cost() -> None:
    empty = day_intervals(NORMAL_DAY).iloc[0:0]
    assert price_days(empty, [hphc_tariff()], 1, DAYS, PARIS) == []
    assert price_days(day_intervals(NORMAL_DAY), [hphc_tariff()], 1, DAYS, PARIS)[0].day == NORMAL_DAY
    assert price_intervals(empty, [hphc_tariff()], 1, PARIS).empty
