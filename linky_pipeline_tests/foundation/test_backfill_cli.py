"""`linky-pipeline backfill status` and `retry-gaps` on the real database."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main
from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.lib.sync import progress


@pytest.fixture
def run(warehouse_env: str, db: psycopg.Connection):
    def _run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return _run


def test_status_shows_each_buildings_progress_and_eta_and_the_gaps(run, db: psycopg.Connection) -> None:
    for code, prm in (("alpha", "22516914714270"), ("bravo", "12345678901234")):
        add_building(db, code, code.title())
        add_meter(db, code, "enedis", prm, "consumption")
    with db.transaction():
        progress.start_run(
            db,
            "run-1",
            "backfill",
            date(2026, 11, 23),
            {
                ("alpha", "enedis:consumption_load_curve"): 105,
                ("alpha", "enedis:daily_consumption"): 4,
                ("bravo", "enedis:consumption_load_curve"): 105,
            },
        )
        for _ in range(40):
            progress.count_window(db, "run-1", "alpha", "enedis:consumption_load_curve", 1, landed=True)
        progress.count_window(db, "run-1", "alpha", "enedis:daily_consumption", 2, landed=False)
        db.execute(
            "INSERT INTO fetch_state (meter_pk, endpoint, day, status, points, is_final, fetched_at, attempts, "
            "next_attempt, first_fetched_at, gave_up) SELECT id, 'consumption_load_curve', '2026-03-02', 'no_data', "
            "0, true, now(), 30, NULL, now(), 'gave up on 2026-10-01: no data in each of 30 answers' FROM meters "
            "WHERE meter_id = '22516914714270'"
        )
    db.commit()
    code, out = run("backfill", "status")
    assert code == 0, out
    assert "backfill run run-1 started" in out and "running: 40/214 window(s) landed, 1 failed" in out
    alpha = next(line for line in out.splitlines() if line.strip().startswith("alpha"))
    assert "36.7 %" in alpha and "ETA 20" in alpha and "consumption_load_curve 40/105" in alpha
    bravo = next(line for line in out.splitlines() if line.strip().startswith("bravo"))
    assert "0.0 %" in bravo and "ETA 20" in bravo
    assert "alpha: 0 asked again (0 due, next -), 1 given up" in out
    assert "gave up on 2026-10-01: no data in each of 30 answers" in out

    code, out = run("backfill", "retry-gaps", "--building", "alpha")
    assert (code, out.strip()) == (0, "1 day(s) re-opened: the next run asks for them again")
    db.rollback()
    assert db.execute("SELECT is_final, gave_up, attempts FROM fetch_state").fetchone() == (False, None, 1)


def test_nothing_running(run) -> None:
    assert run("backfill", "status") == (0, "no sync running or finished recently\n")
