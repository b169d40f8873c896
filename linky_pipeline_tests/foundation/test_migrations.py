"""Migrations are idempotent and the schema rejects bad rows at the database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.timescale.server import TimescaleState, failed_jobs, hypertables, jobs, timescale_state


def _schema_fingerprint(conn: psycopg.Connection) -> list[tuple[str, ...]]:
    return [
        tuple(map(str, r))
        for r in conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema IN ('public', 'bi') ORDER BY 1, 2"
        ).fetchall()
    ]


def test_upgrade_twice_changes_nothing(db: psycopg.Connection) -> None:
    before = _schema_fingerprint(db)
    recorded = migrations.applied(db)
    assert migrations.upgrade(db) == []
    assert migrations.upgrade(db) == []
    assert _schema_fingerprint(db) == before
    assert migrations.applied(db) == recorded
    waiting = migrations.pending(db)
    expected = [m.filename for m in migrations.load_migrations() if m.filename not in migrations.RETIRED]
    assert [name for name, _ in recorded] == [name for name in expected if name not in waiting]


def test_edited_migration_is_refused(db: psycopg.Connection, tmp_path) -> None:
    for m in migrations.load_migrations():
        (tmp_path / m.filename).write_text(m.sql + ("\n-- edited" if m.version == "001" else ""), encoding="utf-8")
    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        migrations.upgrade(db, tmp_path)


def test_timescaledb_step_runs_exactly_where_timescaledb_is_ready(db: psycopg.Connection) -> None:
    """On plain PostgreSQL the hypertable step stays pending and unrecorded (a later upgrade on a TimescaleDB server
    applies it); on TimescaleDB it ran and reading_days is a hypertable. The retired 003 never runs on a new
    database, on either."""
    state = timescale_state(db)
    files = [name for name, _ in migrations.applied(db)]
    assert "003_timescaledb.sql" not in files
    if state.ready:
        assert "062_timescaledb_columnstore.sql" in files
        assert [t.name for t in hypertables(db)] == ["reading_days"]
        assert {j.proc for j in jobs(db)} >= {"policy_compression", "policy_retention"}
    else:
        assert "062_timescaledb_columnstore.sql" not in files
        assert "needs TimescaleDB" in migrations.pending(db)["062_timescaledb_columnstore.sql"]
        assert hypertables(db) == [] and failed_jobs(db) == []


def test_a_step_needing_timescaledb_does_not_hold_back_the_others(db: psycopg.Connection, tmp_path: Path) -> None:
    for m in migrations.load_migrations():
        (tmp_path / m.filename).write_text(m.sql, encoding="utf-8")
    (tmp_path / "900_needs_timescaledb.sql").write_text(
        "-- requires: timescaledb\nCREATE TABLE linky_ts_probe (day date NOT NULL);\n"
        "SELECT create_hypertable('linky_ts_probe', by_range('day'));\n",
        encoding="utf-8",
    )
    (tmp_path / "901_after.sql").write_text("CREATE TABLE linky_after_probe (x int);\n", encoding="utf-8")
    ready = timescale_state(db).ready
    for _ in range(2):
        result = migrations.upgrade_report(db, tmp_path)
        db.commit()
        recorded = {name for name, _ in migrations.applied(db)}
        assert "901_after.sql" in recorded
        assert ("900_needs_timescaledb.sql" in recorded) is ready
        assert ("900_needs_timescaledb.sql" in result.pending) is not ready
    assert migrations.upgrade_report(db, tmp_path).applied == []
    db.execute("DROP TABLE linky_after_probe")
    if ready:
        db.execute("DROP TABLE linky_ts_probe")
    db.execute("DELETE FROM schema_migrations WHERE version IN ('900', '901')")
    db.commit()


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (TimescaleState(None, None, False), "not installed"),
        (TimescaleState("2.29.2", None, False), "shared_preload_libraries = 'timescaledb'"),
        (TimescaleState("2.29.2", "2.29.2", False), "not preloaded"),
    ],
)
def test_why_a_timescaledb_step_waits_is_said(state: TimescaleState, says: str) -> None:
    step = next(m for m in migrations.load_migrations() if m.filename == "062_timescaledb_columnstore.sql")
    assert step.requires == {"timescaledb"}
    reason = migrations.why_pending(step, state)
    assert reason is not None and says in reason and "Not recorded" in reason
    assert migrations.why_pending(step, TimescaleState("2.29.2", None, True)) is None


def _insert(db: psycopg.Connection, statement: str, params: tuple = ()) -> None:
    with db.transaction():
        db.execute(statement, params)


def _base(db: psycopg.Connection) -> int:
    _insert(db, "INSERT INTO buildings (code, name) VALUES ('b1', 'Building 1')")
    row = db.execute(
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'enedis', '22516914714270', 'consumption') RETURNING id"
    ).fetchone()
    db.commit()
    return int(row[0])


BAD_ROWS = [
    ("negative energy", "INSERT INTO readings VALUES (%(m)s, 'consumption', now(), 1800, -0.1, 'BRUT', 't')"),
    ("zero interval", "INSERT INTO readings VALUES (%(m)s, 'consumption', now(), 0, 0.1, 'BRUT', 't')"),
    ("unknown metric", "INSERT INTO readings VALUES (%(m)s, 'heat', now(), 1800, 0.1, 'BRUT', 't')"),
    (
        "unknown provider",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'edf', '22516914714271', 'consumption')",
    ),
    (
        "unknown direction",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'enedis', '22516914714271', 'both')",
    ),
    (
        "13-digit PRM",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'enedis', '2251691471427', 'consumption')",
    ),
    (
        "EAN with wrong check digit",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'ores', '541448030003312345', 'consumption')",
    ),
    (
        "17-digit EAN",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('b1', 'ores', '54144882005237713', 'consumption')",
    ),
    ("partition-unsafe building code", "INSERT INTO buildings (code, name) VALUES ('a|b', 'x')"),
    ("unknown time zone", "INSERT INTO buildings (code, name, timezone) VALUES ('b2', 'x', 'Europe/London')"),
    (
        "unknown building",
        "INSERT INTO meters (building_code, provider, meter_id, direction) "
        "VALUES ('nope', 'enedis', '22516914714271', 'consumption')",
    ),
    (
        "completeness above 1",
        "INSERT INTO daily_consumption (building_code, meter_pk, metric, day, source_used, "
        "interval_count, expected_count, completeness) "
        "VALUES ('b1', %(m)s, 'consumption', '2026-01-01', 'curve', 49, 48, 1.02)",
    ),
    (
        "monthly key not a first day",
        "INSERT INTO monthly_consumption (building_code, meter_pk, metric, month, "
        "days_with_data, days_in_month, interval_count, expected_count, completeness) "
        "VALUES ('b1', %(m)s, 'consumption', '2026-01-02', 0, 31, 0, 0, 0)",
    ),
    (
        "threshold not above 100 %",
        "INSERT INTO alert_rules (threshold_percent, channels, recipients) VALUES (90, '{email}', '{a@b.c}')",
    ),
    ("unknown channel", "INSERT INTO alert_rules (channels, recipients) VALUES ('{sms}', '{a@b.c}')"),
    (
        "unknown severity",
        "INSERT INTO consumption_anomalies VALUES (md5('x'), 'b1', %(m)s, 'consumption', 'day', "
        "'r', now(), current_date, 1, 1, 0, 'Huge', 'm')",
    ),
    (
        "duplicate interval",
        "INSERT INTO readings VALUES (%(m)s, 'consumption', '2026-01-01T00:00Z', 1800, 0.1, 'B', "
        "'t'), (%(m)s, 'consumption', '2026-01-01T00:00Z', 1800, 0.2, 'B', 't')",
    ),
]


@pytest.mark.parametrize(("label", "statement"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_constraint_rejects_bad_row(db: psycopg.Connection, label: str, statement: str) -> None:
    meter_pk = _base(db)
    with pytest.raises(psycopg.errors.IntegrityError), db.transaction():
        db.execute(statement, {"m": meter_pk})


def test_valid_rows_are_accepted(db: psycopg.Connection) -> None:
    meter_pk = _base(db)
    with db.transaction():
        db.execute(
            "INSERT INTO meters (building_code, provider, meter_id, direction) "
            "VALUES ('b1', 'ores', '541448820052377134', 'consumption')"
        )
        db.execute(
            "INSERT INTO readings VALUES (%s, 'consumption', '2026-03-29T01:00Z', 1800, 0.25, 'BRUT', 't')", (meter_pk,)
        )
    assert db.execute("SELECT count(*) FROM readings").fetchone() == (1,)


def test_each_migration_commits_on_its_own(db: psycopg.Connection) -> None:
    """A failure in one migration must not roll back the ones before it (each is its own transaction)."""
    times = [at for _, at in migrations.applied(db)]
    assert len(set(times)) == len(times)
