"""Migrations are idempotent and the schema rejects bad rows at the database."""

from __future__ import annotations

import psycopg
import pytest

from linky_pipeline.lib.store import migrations


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
    assert [name for name, _ in recorded] == [m.filename for m in migrations.load_migrations()]


def test_edited_migration_is_refused(db: psycopg.Connection, tmp_path) -> None:
    for m in migrations.load_migrations():
        (tmp_path / m.filename).write_text(m.sql + ("\n-- edited" if m.version == "001" else ""), encoding="utf-8")
    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        migrations.upgrade(db, tmp_path)


def test_timescaledb_step_is_recorded_even_when_skipped(db: psycopg.Connection) -> None:
    available = db.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
    files = [name for name, _ in migrations.applied(db)]
    assert "003_timescaledb.sql" in files
    is_hypertable = db.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    assert is_hypertable == available  # installed exactly where it was available


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
