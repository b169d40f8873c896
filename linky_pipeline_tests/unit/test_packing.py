"""Readings packed per local day: exact energy, the right day around midnight and DST, uniform labels collapsed,
revisions found per interval, and the expected interval count of a day with mixed lengths."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pandas as pd
import pytest

from linky_pipeline.lib.domain.localtime import BRUSSELS, PARIS, day_length_seconds, local_midnight_utc
from linky_pipeline.lib.tables.daily import expected_intervals
from linky_pipeline.lib.tables.packing import MJ_PER_KWH, DayRow, ReadingValueError, pack_days, revisions


def frame(rows: list[tuple[int, str, datetime, int, float, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "meter_pk": [r[0] for r in rows],
            "metric": [r[1] for r in rows],
            "ts": pd.Series([r[2] for r in rows]).astype("datetime64[us, UTC]"),
            "interval_s": [r[3] for r in rows],
            "kwh": [r[4] for r in rows],
            "quality": [r[5] for r in rows],
            "source": [r[6] for r in rows],
        }
    )


def half_hours(start: datetime, count: int, kwh: float = 0.5, quality: str = "BRUT") -> list[tuple]:
    return [
        (1, "consumption", start + timedelta(minutes=30 * i), 1800, kwh, quality, "enedis-v2") for i in range(count)
    ]


def test_sums_in_millijoules_equal_the_sum_of_the_original_values_exactly() -> None:
    """Enedis sends integer W per interval (energy W × s), Belgian exports kWh with 3 decimals (rounded to 6
    after summing registers): both are whole millijoules, so every stored value and every sum is exact, and
    mJ / 3.6e9 gives back the parser's float64 bit for bit."""
    rng = random.Random(7)
    start = local_midnight_utc(date(2026, 3, 1), PARIS)
    rows, exact = [], Fraction(0)
    for i in range(31 * 48):
        length = rng.choice([600, 900, 1800, 3600]) if i % 97 == 0 else 1800
        watts = rng.randint(0, 250_000)
        ts = start + timedelta(seconds=1800 * i)
        rows.append((1, "consumption", ts, length, watts * length / 3_600_000, "B", "s"))
        exact += Fraction(watts * length, 3_600_000)  # kWh as an exact rational
    for i in range(200):
        kwh = round(rng.randint(0, 9_999_999) / 1000 + rng.randint(0, 999) / 1_000_000, 6)  # Belgian, 6 decimals
        rows.append((2, "consumption", start + timedelta(minutes=15 * i), 900, kwh, "Read", "be-csv"))
        exact += Fraction(str(kwh))  # the decimal the file said
    days = pack_days(frame(rows), PARIS)
    total_mj = sum(e for d in days for e in d.energy_mj.tolist())
    assert Fraction(total_mj, MJ_PER_KWH) == exact
    stored = [e / MJ_PER_KWH for d in days for e in d.energy_mj.tolist()]
    originals = pd.DataFrame(rows).sort_values([0, 2])[4].tolist()
    assert stored == originals  # bitwise: the readings view returns the very floats the parsers produced


def test_a_day_is_the_local_day_of_the_interval_start() -> None:
    # 2026-03-28 23:00 UTC is 2026-03-29 00:00 in Paris (still UTC+1): the first interval of the 29th.
    rows = half_hours(datetime(2026, 3, 28, 22, 0, tzinfo=UTC), 4)
    days = pack_days(frame(rows), PARIS)
    assert [(d.day, len(d.offset_s)) for d in days] == [(date(2026, 3, 28), 2), (date(2026, 3, 29), 2)]
    # offsets count from 00:00 UTC of the day: the 29th starts one hour before it
    assert days[1].offset_s.tolist() == [-3600, -1800]
    assert [days[1].ts(i) for i in range(2)] == [r[2] for r in rows[2:]]


@pytest.mark.parametrize(("day", "intervals"), [(date(2026, 3, 29), 46), (date(2026, 10, 25), 50)])
def test_dst_days_pack_their_real_number_of_half_hours(day: date, intervals: int) -> None:
    days = pack_days(frame(half_hours(local_midnight_utc(day, BRUSSELS), intervals)), BRUSSELS)
    assert [(d.day, len(d.offset_s)) for d in days] == [(day, intervals)]
    assert days[0].offset_s[-1] + 1800 - days[0].offset_s[0] == day_length_seconds(day, BRUSSELS)


def test_uniform_labels_are_stored_once_and_mixed_ones_per_interval() -> None:
    start = local_midnight_utc(date(2026, 5, 4), PARIS)
    rows = half_hours(start, 48) + half_hours(start + timedelta(days=1), 48)
    rows[48 + 10] = (*rows[48 + 10][:5], "BEST", rows[48 + 10][6])
    first, second = pack_days(frame(rows), PARIS)
    assert first.quality == ["BRUT"] and first.source == ["enedis-v2"]
    assert second.quality == ["BRUT"] * 10 + ["BEST"] + ["BRUT"] * 37 and second.source == ["enedis-v2"]


@pytest.mark.parametrize(("column", "value"), [("kwh", -0.1), ("kwh", float("nan")), ("kwh", 2e6), ("interval_s", 0)])
def test_a_value_that_cannot_be_stored_is_named(column: str, value: float) -> None:
    rows = half_hours(datetime(2026, 5, 4, 8, tzinfo=UTC), 3)
    bad = list(rows[1])
    bad[4 if column == "kwh" else 3] = value
    rows[1] = tuple(bad)
    with pytest.raises(ReadingValueError, match=rf"^{column}=.* at meter_pk=1 ts=2026-05-04T08:30:00\+00:00"):
        pack_days(frame(rows), PARIS)


def day_row(energies: list[int], quality: list[str], offsets: list[int] | None = None) -> DayRow:
    offsets = offsets or [1800 * i for i in range(len(energies))]
    return DayRow(
        1,
        "consumption",
        date(2026, 5, 4),
        offsets,
        [1800] * len(offsets),
        energies,
        quality,
        ["s"],
        refs=[3] * len(offsets),
    )


def test_revisions_are_changed_or_withdrawn_values_only() -> None:
    old = day_row([10, 20, 30], ["BRUT"])
    assert revisions(old, day_row([10, 20, 30], ["BEST"])) == []  # same values, better quality: no revision
    assert revisions(old, day_row([10, 20, 30, 40], ["BRUT"])) == []  # a new interval is an addition
    changed = revisions(old, day_row([10, 25, 30], ["BRUT", "BEST", "BRUT"]))
    assert [(r.ts, r.old_mj, r.new_mj, r.old_quality, r.new_quality, r.ref) for r in changed] == [
        (datetime(2026, 5, 4, 0, 30, tzinfo=UTC), 20, 25, "BRUT", "BEST", 3)
    ]
    withdrawn = revisions(old, day_row([10, 30], ["BRUT"], offsets=[0, 3600]))
    assert [(r.old_mj, r.new_mj, r.new_interval_s, r.ref) for r in withdrawn] == [(20, None, None, -1)]
    assert len(revisions(old, None)) == 3


def test_expected_count_of_a_day_that_switches_from_pt30m_to_pt10m() -> None:
    """Complete: 24 half hours then 72 ten-minute intervals expect 96 (not 86 400 / 600 = 144)."""
    offsets = [1800 * i for i in range(24)] + [43_200 + 600 * i for i in range(72)]
    lengths = [1800] * 24 + [600] * 72
    assert expected_intervals(offsets, lengths, 0, 86_400) == 96
    # an hour missing in the PT10M part is 6 intervals missing, in the PT30M part 2
    no_pt10m_hour = [i for i in range(96) if not 30 <= i < 36]
    assert expected_intervals([offsets[i] for i in no_pt10m_hour], [lengths[i] for i in no_pt10m_hour], 0, 86_400) == 96
    no_pt30m_hour = [i for i in range(96) if i not in (4, 5)]
    assert expected_intervals([offsets[i] for i in no_pt30m_hour], [lengths[i] for i in no_pt30m_hour], 0, 86_400) == 96
    # the day's start and end are counted in the length in force there
    assert expected_intervals(offsets[2:-6], lengths[2:-6], 0, 86_400) == 96
