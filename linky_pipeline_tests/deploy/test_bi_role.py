"""The BI role on a real PostgreSQL: reads bi.*, cannot read credentials, cannot write anywhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import errors, sql

from linky_pipeline.commands.bi import create_bi_role_command
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.bi import (
    BiSchemaMissingError,
    InvalidRoleNameError,
    UnsafeRoleError,
    WeakPasswordError,
    WritePathOpenError,
    create_bi_role,
    drop_bi_role,
    open_write_paths,
)
from linky_pipeline_tests.support.bi_data import BiData
from linky_pipeline_tests.support.deploy import BiLogin

BI_VIEWS = (
    "buildings",
    "meters",
    "daily_consumption",
    "daily_consumption_by_building",
    "monthly_consumption",
    "monthly_consumption_by_building",
    "daily_max_power",
    "anomalies",
    "anomaly_counts_daily",
    "daily_cost",
    "daily_cost_periods",
    "monthly_cost",
    "usage_alerts",
)


def _scram_matches(verifier: str, password: str) -> bool:
    """RFC 5802/7677 check of a PostgreSQL SCRAM-SHA-256 verifier against a candidate password."""
    method, iter_salt, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256"
    iterations, salt = iter_salt.split(":")
    stored_key, _server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), base64.b64decode(stored_key))


def _verifier(db: psycopg.Connection, role: str) -> str:
    row = db.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
    assert row is not None
    return str(row[0])


def test_bi_role_reads_every_bi_view(bi_login: BiLogin, bi_data: BiData) -> None:
    with bi_login.connect() as conn:
        for view in BI_VIEWS:
            count = conn.execute(sql.SQL("SELECT count(*) FROM bi.{}").format(sql.Identifier(view))).fetchone()
            assert count is not None and count[0] >= 1, view
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)


@pytest.mark.parametrize(
    "table",
    [
        "meter_credentials",
        "oauth_states",
        "api_rate_limits",
        "buildings",
        "readings",
        "daily_consumption",
        "schema_migrations",
    ],
)
def test_bi_role_cannot_read_base_tables(bi_login: BiLogin, table: str) -> None:
    with bi_login.connect() as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(sql.SQL("SELECT * FROM public.{} LIMIT 1").format(sql.Identifier(table)))


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO public.buildings (code, name) VALUES ('x', 'X')",
        "INSERT INTO public.meter_credentials (meter_pk, name, key_id, ciphertext) "
        "VALUES (1, 'access_token', '0000abcd', decode(repeat('00', 40), 'hex'))",
        "DELETE FROM public.daily_consumption",
        "CREATE TABLE public.bi_scratch (x int)",
        "CREATE TABLE bi.bi_scratch (x int)",
        "CREATE VIEW bi.leak AS SELECT 1 AS x",
    ],
)
def test_bi_role_cannot_write_even_in_a_read_write_session(bi_login: BiLogin, statement: str) -> None:
    """Privileges alone must stop writes: the read-only default is only a second belt."""
    with bi_login.connect() as conn:
        with pytest.raises(errors.ReadOnlySqlTransaction):
            conn.execute(statement)
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO bi.buildings (building_code, building_name, timezone) VALUES ('x', 'X', 'Europe/Paris')",
        "UPDATE bi.meters SET status = 'disabled'",
        "DELETE FROM bi.anomalies",
    ],
)
def test_bi_views_are_not_writable(bi_login: BiLogin, bi_data: BiData, statement: str) -> None:
    with bi_login.connect() as conn:
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.Error):
            conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM bi.anomalies").fetchone() == (len(bi_data.anomalies),)


def test_create_is_idempotent_resets_password_and_revokes_drift(db: psycopg.Connection) -> None:
    role = f"linky_bi_{uuid.uuid4().hex[:8]}"
    first, second = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    try:
        assert create_bi_role(db, password=first, role_name=role).created is True
        db.commit()
        assert _scram_matches(_verifier(db, role), first)
        # Someone granted too much by hand; the next run must take it back.
        db.execute(sql.SQL("GRANT SELECT, INSERT ON public.meter_credentials TO {}").format(sql.Identifier(role)))
        db.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
        db.execute("CREATE SCHEMA bi_drift")
        db.execute("CREATE TABLE bi_drift.t (x int)")
        db.execute(
            sql.SQL("GRANT USAGE ON SCHEMA bi_drift TO {0}; GRANT SELECT ON bi_drift.t TO {0}").format(
                sql.Identifier(role)
            )
        )
        db.commit()
        assert create_bi_role(db, password=second, role_name=role).created is False
        db.commit()
        verifier = _verifier(db, role)
        assert _scram_matches(verifier, second) and not _scram_matches(verifier, first)
        checks = db.execute(
            "SELECT has_table_privilege(%(r)s, 'public.meter_credentials', 'SELECT'), "
            "has_table_privilege(%(r)s, 'public.meter_credentials', 'INSERT'), "
            "has_schema_privilege(%(r)s, 'public', 'CREATE'), "
            "has_table_privilege(%(r)s, 'bi_drift.t', 'SELECT'), "
            "has_table_privilege(%(r)s, 'bi.monthly_consumption', 'SELECT'), "
            "has_schema_privilege(%(r)s, 'bi', 'CREATE')",
            {"r": role},
        ).fetchone()
        assert checks == (False, False, False, False, True, False)
        attrs = db.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit FROM pg_roles WHERE rolname = %s",
            (role,),
        ).fetchone()
        assert attrs == (True, False, False, False, False)
    finally:
        db.rollback()
        db.execute("DROP SCHEMA IF EXISTS bi_drift CASCADE")
        db.commit()
        assert drop_bi_role(db, role) is True
        db.commit()
    assert drop_bi_role(db, role) is False


def test_later_bi_views_are_readable_without_rerunning(db: psycopg.Connection, bi_login: BiLogin) -> None:
    """Default privileges: a view added by a future migration (same owner) is readable at once."""
    db.execute("CREATE VIEW bi.future_view AS SELECT 42 AS answer")
    db.commit()
    try:
        with bi_login.connect() as conn:
            assert conn.execute("SELECT answer FROM bi.future_view").fetchone() == (42,)
    finally:
        db.execute("DROP VIEW bi.future_view")
        db.commit()


@pytest.mark.parametrize(
    ("kwargs", "error", "shown"),
    [
        ({"role_name": "Linky-BI"}, InvalidRoleNameError, "Linky-BI"),
        ({"role_name": "pg_monitor"}, InvalidRoleNameError, "pg_monitor"),
        ({"role_name": 'x"; DROP TABLE buildings; --'}, InvalidRoleNameError, "DROP TABLE"),
        ({"password": "short-pw"}, WeakPasswordError, "8 characters"),
        ({"password": " padded-password "}, WeakPasswordError, "password"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    db: psycopg.Connection, kwargs: dict[str, str], error: type[Exception], shown: str
) -> None:
    args = {"password": "a-long-enough-password", "role_name": "linky_bi_bad"} | kwargs
    roles_before = db.execute("SELECT rolname, rolpassword FROM pg_authid ORDER BY 1").fetchall()
    with pytest.raises(error) as caught:
        create_bi_role(db, **args)
    assert shown in str(caught.value)
    assert args["password"] not in str(caught.value)
    assert db.execute("SELECT rolname, rolpassword FROM pg_authid ORDER BY 1").fetchall() == roles_before


def test_refuses_to_downgrade_a_superuser_or_itself(db: psycopg.Connection) -> None:
    me, was_super = db.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    with pytest.raises(UnsafeRoleError, match=me):
        create_bi_role(db, password="a-long-enough-password", role_name=me)
    with pytest.raises(UnsafeRoleError):
        drop_bi_role(db, me)
    assert db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (was_super,)


def test_missing_bi_schema_is_explained(pg_server_url: str) -> None:
    dbname = f"linky_nobi_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        url = pg_server_url.rpartition("/")[0] + "/" + dbname
        with psycopg.connect(url) as conn, pytest.raises(BiSchemaMissingError, match="db upgrade"):
            create_bi_role(conn, password="a-long-enough-password", role_name="linky_bi_nobi")
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))


def test_cli_requires_the_password_from_the_environment(warehouse_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKY_BI_PASSWORD", raising=False)
    result = CliRunner().invoke(create_bi_role_command, ["--role-name", "linky_bi_cli"])
    assert result.exit_code == 2
    assert "LINKY_BI_PASSWORD" in result.output


def test_cli_creates_then_updates_the_role(
    warehouse_env: str, db: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    role, password = f"linky_bi_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    monkeypatch.setenv("LINKY_BI_PASSWORD", password)
    monkeypatch.setenv("LINKY_BI_USER", role)
    try:
        first = CliRunner().invoke(create_bi_role_command, [])
        assert first.exit_code == 0, first.output
        assert f"BI role {role} created" in first.output
        second = CliRunner().invoke(create_bi_role_command, [])
        assert second.exit_code == 0 and "updated" in second.output
        assert password not in first.output + second.output
        assert _scram_matches(_verifier(db, role), password)
        bad = CliRunner().invoke(create_bi_role_command, ["--role-name", "Bad Name"])
        assert bad.exit_code == 2 and "'Bad Name'" in bad.output
    finally:
        db.rollback()
        drop_bi_role(db, role)
        db.commit()


# Issue 17 §7: writes PUBLIC could do with no table grant at all. Each is tried in a session that first turns the
# read-only default off for its transaction, as a hostile BI user would.
WRITES_BEYOND_TABLE_GRANTS = [
    "CREATE TEMP TABLE bi_scratch (x int)",
    "CREATE TEMPORARY VIEW bi_scratch AS SELECT 1 AS x",
    "CREATE FUNCTION pg_temp.bi_scratch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "SELECT lo_from_bytea(0, '\\x41'::bytea)",
    "SELECT lo_create(0)",
    "SELECT lo_creat(-1)",
    "SELECT lo_import('/etc/hostname')",
    "SELECT lo_put({lo}, 0, '\\x42'::bytea)",
    "SELECT lo_open({lo}, 131072)",  # INV_WRITE
    "SELECT lo_truncate(lo_open({lo}, 131072), 0)",
    "SELECT lo_unlink({lo})",
    "SELECT lo_export({lo}, '/tmp/bi-scratch')",
    "CREATE SCHEMA bi_scratch",
    "CREATE TABLE public.bi_scratch (x int)",
    "CREATE TABLE bi.bi_scratch (x int)",
    "CREATE TABLE pg_temp.bi_scratch (x int)",
    "CREATE SEQUENCE bi.bi_scratch",
    "COPY (SELECT 1) TO '/tmp/bi-scratch'",
    "COPY bi.buildings FROM STDIN",
]


@pytest.fixture
def someone_elses_large_object(db: psycopg.Connection) -> Iterator[int]:
    row = db.execute("SELECT lo_from_bytea(0, '\\x41'::bytea)").fetchone()
    assert row is not None
    db.commit()
    yield int(row[0])
    db.rollback()
    db.execute("SELECT lo_unlink(%s) FROM pg_largeobject_metadata WHERE oid = %s", (row[0], row[0]))
    db.commit()


@pytest.mark.parametrize("statement", WRITES_BEYOND_TABLE_GRANTS)
def test_bi_role_cannot_write_after_set_transaction_read_write(
    bi_login: BiLogin, db: psycopg.Connection, someone_elses_large_object: int, statement: str
) -> None:
    def objects() -> tuple[object, ...]:
        db.rollback()
        row = db.execute(
            "SELECT (SELECT count(*) FROM pg_largeobject_metadata), (SELECT string_agg(encode(data, 'hex'), '') "
            "FROM pg_largeobject WHERE loid = %s), (SELECT count(*) FROM pg_namespace WHERE nspname = 'bi_scratch'), "
            "(SELECT count(*) FROM pg_class WHERE relname = 'bi_scratch')",
            (someone_elses_large_object,),
        ).fetchone()
        assert row is not None
        return tuple(row)

    before = objects()
    with bi_login.connect() as conn:
        conn.execute("BEGIN")
        conn.execute("SET TRANSACTION READ WRITE")
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement.format(lo=someone_elses_large_object))
        conn.execute("ROLLBACK")
    assert objects() == before


def test_bi_role_holds_no_write_path_and_the_database_owner_keeps_temp(
    bi_login: BiLogin, db: psycopg.Connection
) -> None:
    assert open_write_paths(db, bi_login.role_name) == []
    db.execute("CREATE TEMP TABLE owner_scratch (x int)")  # the pipeline's own role is unaffected
    db.rollback()


def test_a_role_that_may_not_revoke_from_public_is_refused_and_told_what_to_run(pg_server_url: str) -> None:
    """A managed database: the owner is no superuser. TEMP and CREATE it can close, pg_catalog's functions not."""
    suffix = uuid.uuid4().hex[:8]
    owner, dbname = f"linky_owner_{suffix}", f"linky_managed_{suffix}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(owner)))
    url = pg_server_url.rpartition("/")[0] + "/" + dbname
    role = f"linky_bi_managed_{suffix}"
    try:
        with psycopg.connect(url, user=owner) as conn:
            migrations.upgrade(conn)
            with pytest.raises(WritePathOpenError) as caught:
                create_bi_role(conn, password="a-long-enough-password", role_name=role)
            text = str(caught.value)
            assert "REVOKE EXECUTE ON FUNCTION pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC" in text
            assert "TEMPORARY" not in text and "a-long-enough-password" not in text
            assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,)).fetchone() == (0,)
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))
