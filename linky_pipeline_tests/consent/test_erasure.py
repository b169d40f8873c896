"""Erasure: after `buildings erase`, no table holds a row of the building, and audit_log says so."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from linky_pipeline.commands.consent import erase
from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.store import erasure
from linky_pipeline_tests.support.registry_rows import add_building, add_meter


def populate(conn: psycopg.Connection, vault: Vault, code: str, prm: str) -> list[int]:
    """One row in every building table for one building (two meters)."""
    add_building(conn, code)
    pks = [add_meter(conn, code, prm, "consumption"), add_meter(conn, code, prm, "production")]
    b = {"b": code, "m": pks[0], "anomaly": (code.encode().hex() * 32)[:32]}
    for pk in pks:
        credentials.store(conn, vault, pk, "access_token", f"secret-{pk}")
    for statement in (
        "INSERT INTO alert_rules (building_code, channels, recipients) VALUES (%(b)s, '{email}', '{a@b.c}')",
        "INSERT INTO raw_load_curves VALUES (%(m)s, 'daily_consumption', '2026-01-01', '2026-01-02', 'v5', 200, "
        "'{}', '{}', repeat('a', 64), now())",
        "INSERT INTO fetch_state VALUES (%(m)s, 'daily_consumption', '2026-01-01', 'complete', 1, true, now())",
        "INSERT INTO readings VALUES (%(m)s, 'consumption', '2026-01-01T00:00Z', 1800, 0.5, 'BRUT', 'enedis_v5')",
        "INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, "
        "interval_count, expected_count, completeness) VALUES (%(b)s, %(m)s, 'consumption', '2026-01-01', 10, "
        "'official', 48, 48, 1)",
        "INSERT INTO monthly_consumption (building_code, meter_pk, metric, month, days_with_data, days_in_month, "
        "interval_count, expected_count, completeness) VALUES (%(b)s, %(m)s, 'consumption', '2026-01-01', 1, 31, "
        "48, 1488, 0.03)",
        "INSERT INTO daily_max_power VALUES (%(b)s, %(m)s, '2026-01-01', 4000, '2026-01-01T12:00Z')",
        "INSERT INTO consumption_anomalies VALUES (%(anomaly)s, %(b)s, %(m)s, 'consumption', 'day', 'r', "
        "'2026-01-01T00:00Z', '2026-01-01', 20, 10, 100, 'Major', 'twice the average')",
        "INSERT INTO notifications (dedupe_key, kind, building_code, anomaly_id, channel, recipient, payload) "
        "VALUES ('n-' || %(b)s, 'anomaly', %(b)s, %(anomaly)s, 'email', 'a@b.c', '{}')",
    ):
        conn.execute(statement, b)
    conn.commit()
    return pks


def rows_of(conn: psycopg.Connection, code: str, pks: list[int]) -> dict[str, int]:
    """Independent check over every table AND view with a building_code or meter_pk column."""
    relations = conn.execute(
        "SELECT table_schema, table_name, array_agg(column_name::text) FROM information_schema.columns "
        "WHERE column_name IN ('building_code', 'meter_pk') AND table_schema NOT IN "
        "('pg_catalog', 'information_schema') GROUP BY 1, 2"
    ).fetchall()
    out: dict[str, int] = {}
    for schema, table, columns in relations:
        conds = []
        if "building_code" in columns:
            conds.append(sql.SQL("building_code = %(b)s"))
        if "meter_pk" in columns:
            conds.append(sql.SQL("meter_pk = ANY(%(pks)s)"))
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
            sql.Identifier(schema, table), sql.SQL(" OR ").join(conds)
        )
        out[f"{schema}.{table}"] = conn.execute(query, {"b": code, "pks": pks}).fetchone()[0]
    out["public.meters"] = conn.execute("SELECT count(*) FROM meters WHERE id = ANY(%s)", (pks,)).fetchone()[0]
    out["public.buildings"] = conn.execute("SELECT count(*) FROM buildings WHERE code = %s", (code,)).fetchone()[0]
    return out


def test_erase_building_leaves_no_row_and_audits(db: psycopg.Connection, vault: Vault) -> None:
    alpha = populate(db, vault, "alpha", "22516914714270")
    beta = populate(db, vault, "beta", "11453290002823")
    before_alpha, before_beta = rows_of(db, "alpha", alpha), rows_of(db, "beta", beta)
    assert before_alpha["public.readings"] == 1 and before_alpha["public.meter_credentials"] == 2
    deleted = erasure.erase_building(db, "alpha", "cli:test")
    db.commit()
    after = rows_of(db, "alpha", alpha)
    assert {t: n for t, n in after.items() if n and t != "public.audit_log"} == {}
    for table in (
        "public.reading_days",  # readings are stored per day; the readings view reads them
        "public.notifications",
        "public.consumption_anomalies",
        "public.meter_credentials",
        "public.raw_load_curves",
        "public.daily_consumption",
    ):
        assert deleted[table] == before_alpha[table] > 0
    assert deleted["public.meters"] == 2 and deleted["public.buildings"] == 1
    assert rows_of(db, "beta", beta) == before_beta  # the other building is untouched
    assert credentials.load(db, vault, beta[0], "access_token") == f"secret-{beta[0]}"
    action, code, details = db.execute("SELECT action, building_code, details FROM audit_log").fetchone()
    assert (action, code) == ("building_erased", "alpha")
    assert details["deleted"] == deleted and details["total_rows"] == sum(deleted.values())
    assert "public.reading_days" in details["tables_checked"]
    assert "secret-" not in str(details)


def test_erase_unknown_building(db: psycopg.Connection) -> None:
    with pytest.raises(erasure.UnknownBuildingError, match="'nope'"):
        erasure.erase_building(db, "nope", "cli:test")


def test_erase_command(db: psycopg.Connection, vault: Vault, warehouse_env: str) -> None:
    pks = populate(db, vault, "alpha", "22516914714270")
    refused = CliRunner().invoke(erase, ["alpha"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert rows_of(db, "alpha", pks)["public.readings"] == 1
    db.commit()
    result = CliRunner().invoke(erase, ["alpha", "--yes"])
    assert result.exit_code == 0, result.output
    assert "erased building alpha" in result.output and "public.reading_days: 1" in result.output
    assert {t: n for t, n in rows_of(db, "alpha", pks).items() if n and t != "public.audit_log"} == {}
    actor = db.execute("SELECT actor FROM audit_log WHERE action = 'building_erased'").fetchone()[0]
    assert actor.startswith("cli:buildings erase")
    missing = CliRunner().invoke(erase, ["alpha", "--yes"])
    assert missing.exit_code == 2 and missing.output == "Error: unknown building 'alpha'\n"  # a usage error
