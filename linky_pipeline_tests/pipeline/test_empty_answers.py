"""No silent empty answers (issue 11 §5): an HTTP 200 with zero points for a past day raises the WARN check and
one notification per meter and day, loses nothing, and the day is resolved when a later answer brings the data."""

from datetime import date

from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.lib.sync.planner import ALTERNATING_ENDPOINTS, endpoint_due_tonight

PRM = "22516914714270"
NIGHT1, NIGHT2 = date(2026, 11, 20), date(2026, 11, 21)
EMPTY = ["2026-11-17", "2026-11-18"]


def _empty_check(result):
    return next(c for c in result.get_asset_check_evaluations() if c.check_name == "no_silent_empty_answer")


def test_an_empty_200_is_reported_once_and_resolved_by_the_next_answer(db, building, run_pipeline, sandbox) -> None:
    building("normal", (PRM, "consumption"))
    add_rule(db, AlertRuleSpec(None, "consumption", 120, "Minor", ("email",), ("ops@example.org",)))
    db.commit()
    sandbox.settings.update(
        {"today": NIGHT1.isoformat(), "empty_days": [{"usage_point_id": PRM, "day": d} for d in EMPTY]}
    )
    november = (date(2026, 11, 1), date(2026, 11, 1))

    first = run_pipeline(["normal"], *november, reference=NIGHT1, nightly=True)
    assert first.success  # reported, not a failed run: the other days and meters landed
    check = _empty_check(first)
    assert not check.passed and check.severity.value == "WARN"
    assert check.metadata["empty_answers"].value == {f"normal/{PRM}": EMPTY}
    assert check.metadata["days"].value == 2
    rows = db.execute("SELECT day, endpoints, answers, resolved_at FROM empty_answers ORDER BY day").fetchall()
    daily_tonight = next(e for e in ALTERNATING_ENDPOINTS if endpoint_due_tonight(e, NIGHT1))  # nightly budget
    asked = sorted(["consumption_load_curve", daily_tonight])
    assert rows == [(date.fromisoformat(d), asked, 2, None) for d in EMPTY]  # one empty 200 per endpoint asked
    notes = db.execute("SELECT kind, recipient, payload FROM notifications").fetchall()
    assert [(k, r) for k, r, _ in notes] == [("empty_answer", "ops@example.org")]
    assert notes[0][2]["days"] == EMPTY and notes[0][2]["meter_id"] == PRM
    # nothing lost, nothing invented: the empty days are gaps, the others are complete
    assert db.execute(
        "SELECT DISTINCT status FROM fetch_state WHERE day = ANY(%s::date[]) AND endpoint = 'consumption_load_curve'",
        (EMPTY,),
    ).fetchall() == [("no_data",)]
    assert db.execute("SELECT count(*) FROM readings").fetchone() == ((19 - 2) * 48,)

    again = run_pipeline(["normal"], *november, reference=NIGHT1, nightly=True)  # the same night, re-run
    assert not _empty_check(again).passed
    db.rollback()
    assert db.execute("SELECT count(*) FROM notifications").fetchone() == (1,)  # once per meter and day
    assert db.execute("SELECT min(answers) FROM empty_answers").fetchone() == (4,)

    sandbox.settings.update({"today": NIGHT2.isoformat(), "empty_days": []})
    fixed = run_pipeline(["normal"], *november, reference=NIGHT2, nightly=True)
    assert fixed.success and _empty_check(fixed).passed
    db.rollback()
    assert db.execute("SELECT count(*) FROM empty_answers WHERE resolved_at IS NOT NULL").fetchone() == (2,)
    assert db.execute("SELECT count(*) FROM readings").fetchone() == (20 * 48,)
    assert db.execute("SELECT count(*) FROM notifications").fetchone() == (1,)
