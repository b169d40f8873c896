"""A run builds each building-month's tables as soon as its windows have landed, while it fetches later months
(issue 16 P2); the tables are the ones the assets build after the fetch, and the assets report them."""

from __future__ import annotations

import threading
from datetime import date

import psycopg
import psycopg.sql
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import list_meters
from linky_pipeline.lib.tables.checks import ReadingsFindings, daily_findings, readings_findings
from linky_pipeline.lib.tables.pipelined import (
    MonthChain,
    Step,
    daily_findings_in_run,
    readings_findings_in_run,
)
from linky_pipeline_tests.support.pipeline import checksums

TABLES = ("readings", "daily_consumption", "monthly_consumption", "daily_max_power", "consumption_anomalies")
STORED = ("reading_days", "reading_revisions", *TABLES[1:])  # readings is a view over reading_days
LANDING = "raw_load_curves, fetch_state, empty_answers, sync_runs, run_builds, notifications"


def builders(processes: int) -> dict[str, object]:
    return {"build_processes": processes, "build_processes_from": 1}


def evaluations(result) -> set[tuple[str, str | None, bool, str | None]]:
    return {(e.check_name, e.partition, e.passed, e.description) for e in result.get_asset_check_evaluations()}


# the run's builder threads (0), or worker processes (lib/tables/build_processes.py) whatever the run's size
BUILDERS = pytest.mark.parametrize("processes", [0, 2], ids=["threads", "processes"])


@BUILDERS
def test_tables_built_while_fetching_equal_those_built_after_it(db, building, run_pipeline, processes) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    months = (date(2026, 5, 1), date(2026, 9, 1))
    after = run_pipeline(["alpha", "bravo"], *months, policy={"build_while_fetching": 0})
    assert after.success
    db.rollback()
    assert db.execute("SELECT count(*) FROM run_builds").fetchone() == (0,)
    expected = checksums(db, TABLES)
    checked = evaluations(after)
    db.execute(f"TRUNCATE {', '.join(STORED)}, {LANDING} CASCADE")
    db.commit()

    during = run_pipeline(["alpha", "bravo"], *months, policy=builders(processes))
    assert during.success
    assert checksums(db, TABLES) == expected
    assert evaluations(during) == checked  # the checks say the same, from the findings counted while fetching
    built = dict(
        db.execute(
            "SELECT table_name, count(*) FROM run_builds WHERE run_id = %s GROUP BY 1", (during.run_id,)
        ).fetchall()
    )
    assert built == dict.fromkeys(TABLES, 10)  # every table × building-month of the run, built while fetching
    # the assets report what was built (rows per partition equal to the table's), without building it again
    for event in during.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.to_user_string() == "readings":
            building_code, month = event.partition.split("|")
            rows = db.execute(
                "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk WHERE m.building_code = %s "
                "AND r.ts >= %s::date::timestamp AT TIME ZONE 'Europe/Paris' "
                "AND r.ts < (%s::date + interval '1 month')::timestamp AT TIME ZONE 'Europe/Paris'",
                (building_code, month, month),
            ).fetchone()[0]
            assert mat.metadata["rows_written"].value == rows


@BUILDERS
def test_the_findings_counted_while_fetching_are_those_of_the_tables(db, building, run_pipeline, processes) -> None:
    """The check steps after the fetch report the findings the builder counted with each table (issue 16 P2: no
    second count of every building-month after the last call); they are what a count now finds."""
    building("alpha", ("22516914714270", "consumption"))
    during = run_pipeline(["alpha"], date(2026, 7, 1), date(2026, 9, 1), policy=builders(processes))
    assert during.success
    db.rollback()
    months = [BuildingMonth("alpha", m, "Europe/Paris") for m in (date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1))]
    meters = list_meters(db, "alpha")
    readings = readings_findings_in_run(db, during.run_id, months)
    daily = daily_findings_in_run(db, during.run_id, months)
    assert set(readings) == set(daily) == set(months)
    for bm in months:
        assert readings[bm] == readings_findings(db, bm, meters)
        assert daily[bm] == daily_findings(db, bm, meters)
    assert readings_findings_in_run(db, "another-run", months) == {}


def test_a_failed_gate_stops_the_tables_built_on_it(db, building, pg_url) -> None:
    import psycopg

    building("alpha", ("22516914714270", "consumption"))
    calls: list[str] = []

    def step(name: str):
        def build(conn, bm, meters) -> int:
            calls.append(name)
            return 1

        return build

    steps = [
        # e.g. a negative interval: the blocking check fails
        Step("readings", step("readings"), gate=lambda *_: (False, ReadingsFindings(1, 0, 0))),
        Step("daily_max_power", step("daily_max_power")),
        Step("daily_consumption", step("daily_consumption"), ("readings",)),
        Step("monthly_consumption", step("monthly_consumption"), ("daily_consumption",)),
    ]
    chain = MonthChain(lambda: psycopg.connect(pg_url), "run-1", steps)
    chain(BuildingMonth("alpha", date(2026, 9, 1), "Europe/Paris"))
    chain.close()
    assert calls == ["readings", "daily_max_power"]
    db.rollback()
    assert db.execute("SELECT table_name FROM run_builds ORDER BY 1").fetchall() == [
        ("daily_max_power",),
        ("readings",),
    ]
    month = BuildingMonth("alpha", date(2026, 9, 1), "Europe/Paris")
    assert readings_findings_in_run(db, "run-1", [month]) == {month: ReadingsFindings(1, 0, 0)}


def test_builder_threads_each_build_on_their_own_connection(db, building, pg_url) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    db.commit()
    backends: dict[str, set[int]] = {}
    both_in = threading.Barrier(2, timeout=10)

    def readings(conn, bm, meters) -> int:
        backends.setdefault(threading.current_thread().name, set()).add(conn.info.backend_pid)
        both_in.wait()  # both buildings inside their transaction at once: two connections, no shared lock
        return len(meters)

    chain = MonthChain(lambda: psycopg.connect(pg_url), "run-2", [Step("readings", readings)])
    months = {code: BuildingMonth(code, date(2026, 9, 1), "Europe/Paris") for code in ("alpha", "bravo")}
    threads = [threading.Thread(target=chain, args=(bm,), name=code) for code, bm in months.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chain.close()
    assert set(backends) == {"alpha", "bravo"}
    assert len(backends["alpha"] | backends["bravo"]) == 2
    assert chain.built == {"readings": 2}
    db.rollback()
    rows = db.execute("SELECT building_code, rows_written FROM run_builds WHERE run_id = 'run-2' ORDER BY 1").fetchall()
    assert rows == [("alpha", 1), ("bravo", 1)]


@pytest.mark.parametrize("policy", [builders(2), {"build_while_fetching": 0}], ids=["while_fetching", "after"])
def test_a_rerun_reports_the_rows_held_and_none_written(db, building, run_pipeline, policy) -> None:
    """daily_consumption and daily_max_power write only the rows that changed: a re-run of the same months reports
    each partition's rows as its row count and 0 rows written or deleted, whether built while fetching or after."""
    building("alpha", ("22516914714270", "consumption"))
    months = (date(2026, 8, 1), date(2026, 9, 1))
    assert run_pipeline(["alpha"], *months, policy=policy).success
    again = run_pipeline(["alpha"], *months, policy=policy)
    assert again.success
    db.rollback()
    seen = set()
    for event in again.get_asset_materialization_events():
        table = event.materialization.asset_key.to_user_string()
        if table not in ("daily_consumption", "daily_max_power"):
            continue
        building_code, month = event.partition.split("|")
        held = db.execute(
            psycopg.sql.SQL(
                "SELECT count(*) FROM {} WHERE building_code = %s AND day >= %s::date "
                "AND day < (%s::date + interval '1 month')"
            ).format(psycopg.sql.Identifier(table)),
            (building_code, month, month),
        ).fetchone()[0]
        metadata = {k: v.value for k, v in event.materialization.metadata.items()}
        assert held > 0
        assert metadata["dagster/partition_row_count"] == held
        assert (metadata["rows_written"], metadata["rows_deleted"]) == (0, 0), (table, event.partition)
        seen.add((table, month))
    assert len(seen) == 4  # both tables × both months
