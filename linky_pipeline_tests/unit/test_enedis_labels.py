"""End-label resolution: the steady-day shortcut names exactly the instants the general fold rule names."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linky_pipeline.lib.sources.enedis.labels import end_candidates, end_candidates_by_folds, steady_offset

INTERVALS = (300, 600, 900, 1800, 3600)


def labels_around(day: date, days: int = 2, minutes: int = 5) -> list[datetime]:
    """Naive labels every `minutes` from `days` days before `day` to `days` days after it."""
    first = datetime.combine(day - timedelta(days=days), datetime.min.time())
    return [first + timedelta(minutes=minutes * i) for i in range((2 * days + 1) * 24 * 60 // minutes)]


@pytest.mark.parametrize(
    ("zone", "clock_change"),
    [
        ("Europe/Paris", date(2026, 3, 29)),  # 02:00 → 03:00
        ("Europe/Paris", date(2026, 10, 25)),  # 03:00 → 02:00
        ("Europe/Brussels", date(2025, 10, 26)),
        ("Europe/Brussels", date(2027, 3, 28)),
        ("America/Sao_Paulo", date(2018, 11, 4)),  # at midnight: the day's first labels start on the day before
        ("America/Sao_Paulo", date(2018, 2, 17)),  # 00:00 → 23:00 the evening before
        ("Australia/Lord_Howe", date(2026, 4, 5)),  # a half-hour change
    ],
)
def test_every_label_near_a_clock_change_resolves_as_the_fold_rule_does(zone: str, clock_change: date) -> None:
    tz = ZoneInfo(zone)
    for label in labels_around(clock_change):
        for interval_s in INTERVALS:
            expected = end_candidates_by_folds(label, timedelta(seconds=interval_s), tz)
            assert end_candidates(label, interval_s, tz) == expected, (zone, label, interval_s)


def test_a_steady_year_resolves_as_the_fold_rule_does() -> None:
    tz = ZoneInfo("Europe/Paris")
    first = datetime.combine(date(2026, 1, 1), datetime.min.time())  # Enedis labels are naive Paris wall times
    for i in range(365 * 24 * 2):
        label = first + timedelta(minutes=30 * i)
        assert end_candidates(label, 1800, tz) == end_candidates_by_folds(label, timedelta(minutes=30), tz), label


def test_only_clock_change_days_are_unsteady() -> None:
    tz = ZoneInfo("Europe/Paris")
    unsteady = [
        date(2026, 1, 1) + timedelta(days=d)
        for d in range(365)
        if steady_offset(date(2026, 1, 1) + timedelta(days=d), tz) is None
    ]
    assert unsteady == [date(2026, 3, 29), date(2026, 10, 25)]
    assert steady_offset(date(2026, 1, 15), tz) == timedelta(hours=1)
    assert steady_offset(date(2026, 7, 15), tz) == timedelta(hours=2)
