"""The data generator called directly: realism, conservation, detector-friendliness, anomalies, DST labels."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox import injected_anomalies
from linky_pipeline.sandbox.anomalies import AnomalyQueryError, schedule
from linky_pipeline.sandbox.profile import natural_watts, year_grid
from linky_pipeline.sandbox.series import curve_points, daily_values, max_power_values, published

PRM = "22516914714270"


def _daily_kwh(prm: str, direction: str, years: range, natural: bool) -> pd.Series:
    parts = []
    for year in years:
        grid = year_grid(prm, year)
        watts = np.rint(natural_watts(prm, year)[direction]) if natural else published(prm, direction, year).watts
        kwh = np.add.reduceat(watts * grid.interval, grid.offsets[:-1]) / 3.6e6
        parts.append(pd.Series(kwh, index=pd.Index(grid.days)))
    return pd.concat(parts)


def test_conservation_every_day_of_24_months() -> None:
    """Σ curve energy of each local day equals the daily endpoint value within 1 % (in fact ±1 Wh)."""
    days = [date(2024, 11, 1) + timedelta(days=i) for i in range(730)]
    points = curve_points(PRM, "consumption", days)
    labels = pd.to_datetime([p.label for p in points])
    energy_wh = np.array([p.watts * p.interval_s / 3600 for p in points])
    # A point labelled 00:00 closes the previous local day.
    owner = (labels - pd.Timedelta(seconds=1)).date
    curve_by_day = pd.Series(energy_wh).groupby(owner).sum()
    daily = {v.day: v.value for v in daily_values(PRM, "consumption", days)}
    assert len(curve_by_day) == len(daily) == 730
    worst = max(abs(curve_by_day[d] - daily[d]) / daily[d] for d in days)
    assert worst < 0.01
    assert all(abs(curve_by_day[d] - daily[d]) <= 1 for d in days)


def test_natural_day_flags_are_rare_over_36_months() -> None:
    """Without injected anomalies a day exceeds 120 % of the previous 7 days' mean on < 1 % of days."""
    daily = _daily_kwh(PRM, "consumption", range(2023, 2027), natural=True)
    daily = daily[date(2023, 11, 1) : date(2026, 11, 1)]
    ratio = daily / daily.shift(1).rolling(7).mean()
    checked = ratio.dropna()
    assert len(checked) > 1000
    assert (checked > 1.2).mean() < 0.01


def test_natural_interval_flags_are_rare() -> None:
    """Same local time of day vs the previous 7 days: natural excess over 120 % stays well under 1 %."""
    grid = year_grid(PRM, 2025)
    watts = np.rint(natural_watts(PRM, 2025)["consumption"])
    normal = [i for i in range(len(grid.days)) if grid.offsets[i + 1] - grid.offsets[i] == 48]
    matrix = np.array([watts[grid.offsets[i] : grid.offsets[i + 1]] for i in normal])
    frame = pd.DataFrame(matrix)
    baseline = frame.shift(1).rolling(7).mean()
    flags = (frame > 1.2 * baseline).to_numpy()[7:]
    assert flags.mean() < 0.005


def test_looks_like_a_home() -> None:
    """Night low, evening peak, winter heating, weekend within 12 % of weekdays at every time of day."""
    grid = year_grid(PRM, 2025)
    watts = natural_watts(PRM, 2025)["consumption"]
    hours = pd.to_datetime(grid.start, unit="s", utc=True).tz_convert(PARIS)
    frame = pd.DataFrame({"w": watts, "hour": hours.hour, "month": hours.month, "weekend": hours.day_of_week >= 5})
    by_hour = frame.groupby("hour").w.mean()
    assert by_hour[4] < by_hour[20] / 2
    assert by_hour.idxmax() in (19, 20, 21)
    by_month = frame.groupby("month").w.mean()
    assert by_month[1] > 1.6 * by_month[7]
    summer = frame[frame.month.isin([6, 7, 8])]
    split = summer.groupby(["hour", "weekend"]).w.mean().unstack()
    assert (split[True] / split[False] - 1).abs().max() < 0.12


def test_pv_is_zero_at_night_and_peaks_near_solar_noon() -> None:
    grid = year_grid("10284856584123", 2025)
    watts = natural_watts("10284856584123", 2025)["production"]
    hours = pd.to_datetime(grid.start, unit="s", utc=True).tz_convert(PARIS).hour
    frame = pd.DataFrame({"w": watts, "hour": hours})
    assert frame[frame.hour.isin([0, 1, 2, 3, 22, 23])].w.max() == 0
    assert frame.groupby("hour").w.mean().idxmax() in (12, 13, 14)


def test_self_consumption_is_never_both_directions_at_once() -> None:
    watts = published("12655648759651", "consumption", 2025).watts
    surplus = published("12655648759651", "production", 2025).watts
    assert (watts > 0).any() and (surplus > 0).any()
    assert not ((watts > 0) & (surplus > 0)).any()


def test_anomaly_schedule_rules() -> None:
    """About one per month, never in the first 8 days of data, ≥ 8 days apart, factors in range."""
    found = injected_anomalies("11453290002823", "consumption", date(2019, 1, 1), date(2026, 1, 1))
    assert 60 <= len(found) <= 110
    assert found[0].local_day >= date(2019, 8, 27) + timedelta(days=8)
    gaps = [(b.local_day - a.local_day).days for a, b in itertools.pairwise(found)]
    assert min(gaps) >= 8
    for anomaly in found:
        low, high = (1.35, 2.5) if anomaly.granularity == "day" else (2.0, 4.0)
        assert low <= anomaly.factor <= high
    assert {a.granularity for a in found} == {"day", "interval"}


def test_injected_anomalies_are_in_the_published_data() -> None:
    """A day anomaly multiplies the day's total; an interval anomaly multiplies exactly one interval."""
    natural_daily = _daily_kwh(PRM, "consumption", range(2025, 2026), natural=True)
    published_daily = _daily_kwh(PRM, "consumption", range(2025, 2026), natural=False)
    found = injected_anomalies(PRM, "consumption", date(2025, 1, 1), date(2026, 1, 1))
    assert found
    grid = year_grid(PRM, 2025)
    natural = np.rint(natural_watts(PRM, 2025)["consumption"])
    changed = np.flatnonzero(published(PRM, "consumption", 2025).watts != natural)
    expected_changed = 0
    for anomaly in found:
        ratio = published_daily[anomaly.local_day] / natural_daily[anomaly.local_day]
        if anomaly.granularity == "day":
            assert ratio == pytest.approx(anomaly.factor, rel=0.002)
            expected_changed += 48
        else:
            assert anomaly.start is not None and anomaly.interval_s == 1800
            index = int(np.flatnonzero(grid.start == int(anomaly.start.timestamp()))[0])
            got = published(PRM, "consumption", 2025).watts[index] / natural[index]
            assert got == pytest.approx(anomaly.factor, rel=0.01)
            expected_changed += 1
    assert len(changed) <= expected_changed
    untouched = set(grid.days) - {a.local_day for a in found}
    assert all(published_daily[d] == pytest.approx(natural_daily[d]) for d in untouched)


def test_anomalies_reject_unknown_meter_and_direction() -> None:
    with pytest.raises(AnomalyQueryError, match="99999999999999"):
        injected_anomalies("99999999999999", "consumption", date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(AnomalyQueryError, match="production"):
        injected_anomalies(PRM, "production", date(2025, 1, 1), date(2026, 1, 1))


def test_generator_is_deterministic() -> None:
    schedule.cache_clear()
    first = injected_anomalies(PRM, "consumption", date(2024, 1, 1), date(2026, 1, 1))
    year_grid.cache_clear()
    natural_watts.cache_clear()
    published.cache_clear()
    schedule.cache_clear()
    again = injected_anomalies(PRM, "consumption", date(2024, 1, 1), date(2026, 1, 1))
    assert first == again
    a = curve_points(PRM, "consumption", [date(2025, 3, 3)])
    published.cache_clear()
    natural_watts.cache_clear()
    assert curve_points(PRM, "consumption", [date(2025, 3, 3)]) == a


@pytest.mark.parametrize(
    ("day", "count", "missing", "repeated"),
    [
        (date(2026, 3, 29), 46, {"02:30", "03:00"}, set()),
        (date(2026, 10, 25), 50, set(), {"02:30", "03:00"}),
        (date(2025, 3, 30), 46, {"02:30", "03:00"}, set()),
        (date(2025, 10, 26), 50, set(), {"02:30", "03:00"}),
    ],
)
def test_dst_labels(day: date, count: int, missing: set[str], repeated: set[str]) -> None:
    labels = [p.label[11:16] for p in curve_points(PRM, "consumption", [day])]
    assert len(labels) == count
    assert not missing & set(labels)
    assert {x for x in labels if labels.count(x) == 2} == repeated


def test_fall_back_labels_in_time_order_first_is_summer() -> None:
    """Reading repeated labels in order, first with +02:00 and then +01:00, gives 50 distinct UTC ends."""
    points = curve_points(PRM, "consumption", [date(2026, 10, 25)])
    seen: set[str] = set()
    ends = []
    for point in points:
        naive = datetime.strptime(point.label + "+0000", "%Y-%m-%d %H:%M:%S%z").replace(tzinfo=None)
        repeated = sum(p.label == point.label for p in points) == 2
        if repeated:
            offset = 1 if point.label in seen else 2
            seen.add(point.label)
            ends.append(naive.replace(tzinfo=UTC) - timedelta(hours=offset))
        else:
            ends.append(naive.replace(tzinfo=PARIS).astimezone(UTC))
    assert ends == sorted(ends)
    assert len(set(ends)) == 50
    assert all((b - a) == timedelta(minutes=30) for a, b in itertools.pairwise(ends))
    assert ends[0] == datetime(2026, 10, 24, 22, 30, tzinfo=UTC)


def test_interval_change_inside_a_window() -> None:
    days = [date(2025, 6, 13) + timedelta(days=i) for i in range(4)]
    points = curve_points("63695879465986", "consumption", days)
    lengths = [p.interval_s for p in points]
    assert lengths == [3600] * 48 + [1800] * 96
    assert points[47].label == "2025-06-15 00:00:00" and points[48].label == "2025-06-15 00:30:00"


@pytest.mark.parametrize(("prm", "per_day"), [("64975835695673", 144), ("22315546958763", 96)])
def test_sub_half_hour_meters(prm: str, per_day: int) -> None:
    points = curve_points(prm, "consumption", [date(2025, 2, 4)])
    assert len(points) == per_day
    assert len({p.interval_s for p in points}) == 1


def test_max_power_sits_in_the_peak_interval() -> None:
    day = date(2025, 1, 15)
    peak = max_power_values(PRM, [day])[0]
    points = curve_points(PRM, "consumption", [day])
    best = max(points, key=lambda p: p.watts)
    assert 1.2 * best.watts - 1 <= peak.value <= 1.4 * best.watts + 1
    end = datetime.fromisoformat(best.label).replace(tzinfo=PARIS)
    at = datetime.fromisoformat(peak.label).replace(tzinfo=PARIS)
    assert end - timedelta(minutes=30) <= at <= end
