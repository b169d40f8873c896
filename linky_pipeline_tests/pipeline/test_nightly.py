"""Nightly behaviour: a late day is filled by the next night; steady state stays within 2 calls per meter."""

from datetime import date

import httpx

PRM = "22516914714270"


def _calls_by_prm(sandbox) -> dict[str, int]:
    return httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls_by_prm"]


def _reset(sandbox) -> None:
    httpx.post(f"{sandbox.url}/sandbox/stats/reset").raise_for_status()


def test_late_day_is_filled_by_the_next_nightly_run(db, building, run_pipeline, sandbox) -> None:
    building("normal", (PRM, "consumption"))
    night1 = date(2026, 11, 20)
    sandbox.settings.update(
        {"today": night1.isoformat(), "withheld_days": [{"usage_point_id": PRM, "day": "2026-11-18"}]}
    )
    assert run_pipeline(["normal"], date(2026, 11, 1), date(2026, 11, 1), reference=night1, nightly=True).success
    day = db.execute("SELECT interval_count, source_used FROM daily_consumption WHERE day = '2026-11-18'").fetchone()
    assert day == (0, "none")
    assert db.execute(
        "SELECT status FROM fetch_state WHERE day = '2026-11-18' AND endpoint = 'consumption_load_curve'"
    ).fetchone() == ("no_data",)

    night2 = date(2026, 11, 21)
    sandbox.settings.update({"today": night2.isoformat(), "withheld_days": []})
    assert run_pipeline(["normal"], date(2026, 11, 1), date(2026, 11, 1), reference=night2, nightly=True).success
    db.rollback()
    day = db.execute("SELECT interval_count, completeness FROM daily_consumption WHERE day = '2026-11-18'").fetchone()
    assert day == (48, 1.0)
    assert db.execute("SELECT count(*) FROM daily_consumption WHERE day = '2026-11-20'").fetchone() == (1,)


def test_steady_state_is_at_most_two_calls_per_meter_per_night(db, building, run_pipeline, sandbox) -> None:
    building("normal", (PRM, "consumption"))
    building("solar", ("12655648759651", "consumption"), ("12655648759651", "production"))
    first = date(2026, 10, 28)
    sandbox.settings.update({"today": first.isoformat()})
    assert run_pipeline(
        ["normal", "solar"], date(2026, 10, 1), date(2026, 10, 1), reference=first, nightly=True
    ).success
    # across a month boundary: in its first 7 days the run covers the previous month too
    nights = [
        date(2026, 10, 29),
        date(2026, 10, 31),
        date(2026, 11, 1),
        date(2026, 11, 2),
        date(2026, 11, 4),
        date(2026, 11, 7),
        date(2026, 11, 8),
        date(2026, 11, 9),
    ]
    for night in nights:
        sandbox.settings.update({"today": night.isoformat()})
        _reset(sandbox)
        first_month = date(2026, 10, 1) if night.day <= 7 or night.month == 10 else date(2026, 11, 1)
        result = run_pipeline(["normal", "solar"], first_month, night.replace(day=1), reference=night, nightly=True)
        assert result.success
        calls = _calls_by_prm(sandbox)
        assert calls[PRM] == 2, (night, calls)
        assert calls["12655648759651"] == 4, (night, calls)  # two meters (both directions), one PRM
