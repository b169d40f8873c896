"""When queued calls will be made, from each API's quota: the window's calls left, then whole hours."""

from datetime import UTC, datetime, timedelta

from linky_pipeline.lib.sources.ratelimit import QuotaLimits, QuotaStatus
from linky_pipeline.lib.sync.eta import building_etas, drain_at

NOW = datetime(2026, 11, 23, 10, 40, tzinfo=UTC)
HOURLY = QuotaLimits(per_second=5, per_hour=1000)


def _status(used: int, limits: QuotaLimits = HOURLY) -> QuotaStatus:
    start = NOW.replace(minute=0)
    return QuotaStatus("enedis:consumption_load_curve", used, limits.usable_per_hour, start, start + limits.hour)


def test_calls_inside_the_window_go_at_the_per_second_rate() -> None:
    assert drain_at(NOW, 100, HOURLY, _status(used=200)) == NOW + timedelta(seconds=20)
    assert drain_at(NOW, 0, HOURLY, _status(used=200)) == NOW


def test_calls_beyond_the_window_wait_for_whole_hours() -> None:
    # 300 left in this window, then 1 000 per hour: the 2 500th call is the 200th of the window opening at 13:00
    end = drain_at(NOW, 2500, HOURLY, _status(used=700))
    assert end == datetime(2026, 11, 23, 13, 0, tzinfo=UTC) + timedelta(seconds=200 / 5)


def test_scaled_time_shrinks_hours_and_seconds_alike() -> None:
    scaled = QuotaLimits(per_second=5, per_hour=1000, time_scale=100)  # an hour lasts 36 s
    start = NOW
    status = QuotaStatus("k", 1000, 1000, start, start + scaled.hour)
    assert drain_at(NOW, 1000, scaled, status) == NOW + timedelta(seconds=36) + timedelta(seconds=2)


def test_a_building_waits_for_the_calls_queued_before_it_on_each_api() -> None:
    queue = [
        ("alpha", "enedis:consumption_load_curve", 600, 10, 610),
        ("alpha", "enedis:daily_consumption", 1, 2, 3),
        ("bravo", "enedis:consumption_load_curve", 600, 0, 600),
        ("charlie", "enedis:consumption_load_curve", 0, 5, 5),
        ("delta", "ores:delta", 4, 0, 4),
    ]
    etas = {
        e.building: e
        for e in building_etas(NOW, queue, lambda api: None if api.startswith("ores") else (HOURLY, _status(0)))
    }
    assert etas["alpha"].eta == NOW + timedelta(seconds=600 / 5)  # curve dominates its daily call
    assert etas["bravo"].eta == NOW.replace(minute=0) + timedelta(hours=1) + timedelta(seconds=200 / 5)  # after alpha
    assert (etas["charlie"].remaining, etas["charlie"].eta) == (0, None)  # done
    assert etas["delta"].eta is None and etas["delta"].remaining == 4  # no quota known: no guess
    assert (etas["alpha"].done, etas["alpha"].planned) == (12, 613)
