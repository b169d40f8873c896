"""The usage-alert detectors on made-up series: each injected event gives one alert, steady data none."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from linky_pipeline.lib.anomalies.core import AnomalyInputError
from linky_pipeline.lib.anomalies.usage import (
    RULE_WOW_COST,
    RULE_WOW_ENERGY,
    detect_power_overruns,
    detect_standby_rises,
    detect_week_over_week,
    night_base_load,
)
from linky_pipeline_tests.support.usage_load import PARIS, PEAK_DAY, RISE_NIGHT, readings

MARCH = {"building_code": "b", "emit_from": date(2026, 3, 1), "emit_to": date(2026, 4, 1)}


def test_power_overrun_on_the_peak_day_only() -> None:
    days = pd.DataFrame(
        {"meter_pk": 1, "day": [PEAK_DAY - timedelta(days=1), PEAK_DAY], "max_power_va": [8900.0, 12000.0]}
    )
    kva = {(1, d): 9.0 for d in days["day"]}
    found = detect_power_overruns(days, kva, **MARCH)
    assert found[["local_day", "value", "baseline", "unit"]].values.tolist() == [[PEAK_DAY, 12.0, 9.0, "kVA"]]
    assert found.loc[0, "severity"] == "Minor" and "12,00 kVA" in found.loc[0, "message"]
    assert detect_power_overruns(days, kva, threshold_percent=140, **MARCH).empty
    assert detect_power_overruns(days, {}, **MARCH).empty  # no subscribed power known: nothing judged
    with pytest.raises(AnomalyInputError, match="threshold_percent"):
        detect_power_overruns(days, kva, threshold_percent=40, **MARCH)


def test_standby_rise_gives_one_alert_on_its_first_night() -> None:
    found = detect_standby_rises(readings(1), tz=PARIS, **MARCH)
    assert found["local_day"].tolist() == [RISE_NIGHT]
    row = found.iloc[0]
    assert row["unit"] == "kW" and row["value"] == pytest.approx(0.7, abs=0.02)
    assert row["baseline"] == pytest.approx(0.21, abs=0.02)
    assert detect_standby_rises(readings(1, rise_night=None), tz=PARIS, **MARCH).empty


def test_a_rise_that_started_last_month_is_not_reported_again() -> None:
    april = {"building_code": "b", "emit_from": date(2026, 4, 1), "emit_to": date(2026, 5, 1)}
    frame = readings(1, last=date(2026, 4, 30))
    assert detect_standby_rises(frame, tz=PARIS, **april).empty


def test_night_base_load_needs_most_of_the_night_and_counts_dst_nights() -> None:
    frame = readings(1, first=date(2026, 3, 28), last=date(2026, 3, 29), rise_night=None)
    nights = night_base_load(frame, PARIS).set_index("day")
    assert nights.loc[date(2026, 3, 29), "valid"]  # 5-hour night on the spring-forward day, fully covered
    partial = frame[~((frame["ts"].dt.tz_convert(PARIS).dt.date == date(2026, 3, 28)) & (frame.index % 3 != 0))]
    assert not night_base_load(partial, PARIS).set_index("day").loc[date(2026, 3, 28), "valid"]


def _weeks(values: list[float], first_monday: date = date(2026, 2, 2)) -> pd.DataFrame:
    days = [first_monday + timedelta(days=i) for i in range(len(values))]
    return pd.DataFrame({"meter_pk": 1, "day": days, "value": values, "valid": True})


def test_week_over_week_energy_and_cost() -> None:
    values = [20.0] * 28 + [30.0] * 7 + [20.0] * 7  # the fifth week is +50 %
    found = detect_week_over_week(_weeks(values), rule=RULE_WOW_ENERGY, **MARCH)
    assert found[["period_start", "local_day", "value", "baseline"]].values.tolist() == [
        [date(2026, 3, 2), date(2026, 3, 8), 210.0, 140.0]
    ]
    assert "+50 %" in found.loc[0, "message"]
    costs = detect_week_over_week(_weeks([v * 0.25 for v in values]), rule=RULE_WOW_COST, **MARCH)
    assert costs["unit"].tolist() == ["EUR"]
    one_hole = _weeks(values).assign(valid=lambda f: f["day"] != date(2026, 3, 4))  # 6 valid days: scaled to 7
    (estimated,) = detect_week_over_week(one_hole, rule=RULE_WOW_ENERGY, **MARCH).itertuples()
    assert estimated.value == 210.0 and "(estimée)" in estimated.message
    holed = _weeks(values).assign(valid=lambda f: ~f["day"].between(date(2026, 3, 3), date(2026, 3, 5)))
    assert detect_week_over_week(holed, rule=RULE_WOW_ENERGY, **MARCH).empty  # 4 valid days: not judged
    assert detect_week_over_week(_weeks(values), rule=RULE_WOW_ENERGY, threshold_percent=160, **MARCH).empty


def test_empty_inputs_give_no_alert() -> None:
    empty = readings(1).iloc[0:0]
    assert detect_standby_rises(empty, tz=PARIS, **MARCH).empty
    daytime = readings(1)
    daytime = daytime[daytime["ts"].dt.tz_convert(PARIS).dt.hour >= 8]  # no night interval at all
    assert detect_standby_rises(daytime, tz=PARIS, **MARCH).empty
    assert detect_week_over_week(_weeks([]), rule=RULE_WOW_ENERGY, **MARCH).empty
    assert detect_power_overruns(pd.DataFrame(columns=["meter_pk", "day", "max_power_va"]), {}, **MARCH).empty
