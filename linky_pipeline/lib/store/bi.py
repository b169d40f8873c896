"""The read-only BI role: reads the `bi` views and nothing else.

Views run with their owner's rights, so the role needs no privilege on the base tables: it gets USAGE on `bi`,
SELECT on its views, and explicit revokes everywhere else. Credentials (meter_credentials), OAuth states and the
shared rate limiter stay unreadable, and the role's sessions are read-only by default on top of having no
write grant. The password is hashed client-side (SCRAM-SHA-256), so the plaintext never reaches the server or
its statement log.

A session can turn read-only off (`SET TRANSACTION READ WRITE`), so privileges alone must forbid every write.
PostgreSQL grants PUBLIC two write paths no table grant covers: TEMP on the database (temporary tables and
functions) and EXECUTE on the large-object functions (`lo_from_bytea`, `lo_create`…). Both are revoked from PUBLIC
in the warehouse database, and CREATE on schema `public` too (PostgreSQL < 15 grants it). What that changes for
other roles of this database: only the owner and superusers keep TEMP, nobody but superusers may create or
write large objects, and only the schema's owner creates in `public`; the pipeline uses none of these. Revoking
from PUBLIC on pg_catalog's functions needs a superuser: run by a lesser role, the command refuses (nothing
changed) and names the statements an administrator must run once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import psycopg
from psycopg import sql

DEFAULT_ROLE = "linky_bi"
BI_SCHEMA = "bi"
MIN_PASSWORD_LENGTH = 12
STATEMENT_TIMEOUT = "5min"  # a runaway dashboard query must not hold the warehouse
CONNECTION_LIMIT = 20

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_ROLE_ATTRIBUTES = (
    f"LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT {CONNECTION_LIMIT}"
)


class BiRoleError(ValueError):
    """The BI role could not be created or changed as asked."""


class InvalidRoleNameError(BiRoleError):
    """The role name is not a plain lower-case PostgreSQL identifier."""


class WeakPasswordError(BiRoleError):
    """The password is too short or unusable (its value is never shown)."""


class UnsafeRoleError(BiRoleError):
    """The role exists with powers we must not strip (a superuser, or ourselves)."""


class BiSchemaMissingError(BiRoleError):
    """The `bi` schema does not exist yet (migrations not applied)."""


class WritePathOpenError(BiRoleError):
    """A write path (TEMP, large objects, CREATE) stays open to the role: the running role may not close it."""


# Large-object functions PUBLIC may execute (lo_import/lo_export are superuser-only already; revoked anyway).
LARGE_OBJECT_FUNCTIONS: Final = (
    "lo_creat(integer)",
    "lo_create(oid)",
    "lo_from_bytea(oid, bytea)",
    "lo_import(text)",
    "lo_import(text, oid)",
    "lo_export(oid, text)",
    "lo_put(oid, bigint, bytea)",
    "lo_open(oid, integer)",
    "lowrite(integer, bytea)",
    "lo_truncate(integer, integer)",
    "lo_truncate64(integer, bigint)",
    "lo_unlink(oid)",
)


@dataclass(frozen=True)
class BiRoleResult:
    role_name: str
    created: bool  # False: the role existed and was brought back to the expected state


def _check_role_name(role_name: str) -> None:
    if not _ROLE_NAME.match(role_name) or role_name.startswith("pg_"):
        raise InvalidRoleNameError(
            f"role_name {role_name!r} must match {_ROLE_NAME.pattern} and must not start with 'pg_'"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or "\x00" in password or password.strip() != password:
        raise WeakPasswordError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters, without NUL or surrounding spaces "
            f"(got {len(password)} characters)"
        )


def _guard_existing_role(conn: psycopg.Connection, role_name: str) -> bool:
    """True if the role exists; refuses roles whose privileges must not be rewritten."""
    current = conn.execute("SELECT current_user").fetchone()
    if current is not None and current[0] == role_name:
        raise UnsafeRoleError(f"role_name {role_name!r} is the role running this command; choose another name")
    row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role_name,)).fetchone()
    if row is None:
        return False
    if row[0]:
        raise UnsafeRoleError(f"role_name {role_name!r} is a superuser; refusing to turn it into the BI role")
    return True


def _scram_hash(conn: psycopg.Connection, role_name: str, password: str) -> str:
    """SCRAM-SHA-256 verifier computed by libpq, so the server only ever sees the hash."""
    return conn.pgconn.encrypt_password(password.encode(), role_name.encode(), b"scram-sha-256").decode()


def _revoke_everything_outside_bi(conn: psycopg.Connection, role: sql.Identifier, role_name: str) -> None:
    """Blanket revokes in `public` (our tables), precise revokes of any explicit grant in other schemas."""
    for what in ("TABLES", "SEQUENCES", "FUNCTIONS"):
        conn.execute(sql.SQL("REVOKE ALL ON ALL {} IN SCHEMA public FROM {}").format(sql.SQL(what), role))
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM {}").format(role))
    # Elsewhere (extension schemas such as TimescaleDB's) only touch objects that name the role in their ACL,
    # so a non-superuser owner never hits objects it may not manage.
    relations = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind = 'S' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN (%s, 'public') AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) acl "
        "JOIN pg_roles r ON r.oid = acl.grantee WHERE r.rolname = %s)",
        (BI_SCHEMA, role_name),
    ).fetchall()
    for schema, name, is_sequence in relations:
        kind = sql.SQL("SEQUENCE" if is_sequence else "TABLE")
        conn.execute(sql.SQL("REVOKE ALL ON {} {} FROM {}").format(kind, sql.Identifier(schema, name), role))
    schemas = conn.execute(
        "SELECT n.nspname FROM pg_namespace n WHERE n.nspname NOT IN (%s, 'public') AND EXISTS (SELECT 1 FROM "
        "aclexplode(n.nspacl) acl JOIN pg_roles r ON r.oid = acl.grantee WHERE r.rolname = %s)",
        (BI_SCHEMA, role_name),
    ).fetchall()
    for (schema,) in schemas:
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(schema), role))


def _close_public_write_paths(conn: psycopg.Connection, role: sql.Identifier, database: sql.Identifier) -> None:
    """TEMP, large objects and CREATE in `public`, taken from PUBLIC (a revoke from the role alone leaves PUBLIC's)."""
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(database, role))
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for function in LARGE_OBJECT_FUNCTIONS:
        # a role holding no privilege on a function may not even try to revoke one (nor does PUBLIC hold it then)
        mine = conn.execute("SELECT has_function_privilege(%s, 'EXECUTE')", (f"pg_catalog.{function}",)).fetchone()
        if mine is not None and mine[0]:
            conn.execute(sql.SQL("REVOKE EXECUTE ON FUNCTION pg_catalog.{} FROM PUBLIC").format(sql.SQL(function)))
            conn.execute(sql.SQL("REVOKE EXECUTE ON FUNCTION pg_catalog.{} FROM {}").format(sql.SQL(function), role))


def open_write_paths(conn: psycopg.Connection, role_name: str) -> list[str]:
    """Every way `role_name` could still write, whatever its session settings (empty: none)."""
    database = conn.execute("SELECT current_database()").fetchone()
    assert database is not None
    found: list[str] = []
    for what in ("CREATE", "TEMPORARY"):
        row = conn.execute("SELECT has_database_privilege(%s, %s, %s)", (role_name, database[0], what)).fetchone()
        if row is not None and row[0]:
            found.append(f"{what} ON DATABASE {database[0]}")
    schemas = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(%s, oid, 'CREATE') ORDER BY 1", (role_name,)
    ).fetchall()
    found += [f"CREATE ON SCHEMA {name}" for (name,) in schemas]
    for function in LARGE_OBJECT_FUNCTIONS:
        row = conn.execute(
            "SELECT has_function_privilege(%s, %s, 'EXECUTE')", (role_name, f"pg_catalog.{function}")
        ).fetchone()
        if row is not None and row[0]:
            found.append(f"EXECUTE ON FUNCTION pg_catalog.{function}")
    return found


def create_bi_role(conn: psycopg.Connection, *, password: str, role_name: str = DEFAULT_ROLE) -> BiRoleResult:
    """Create the BI role, or reset an existing one to exactly: login, read `bi`, nothing else.

    Idempotent: running it again changes the password and re-applies grants and revokes.
    """
    _check_role_name(role_name)
    _check_password(password)
    role = sql.Identifier(role_name)
    with conn.transaction():
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (BI_SCHEMA,)).fetchone() is None:
            raise BiSchemaMissingError(f"schema {BI_SCHEMA!r} does not exist; run `linky-pipeline db upgrade` first")
        exists = _guard_existing_role(conn, role_name)
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL("{} ROLE {} WITH {} PASSWORD {}").format(
                sql.SQL(verb), role, sql.SQL(_ROLE_ATTRIBUTES), sql.Literal(_scram_hash(conn, role_name, password))
            )
        )
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
        conn.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(role, sql.Literal(STATEMENT_TIMEOUT)))
        _revoke_everything_outside_bi(conn, role, role_name)
        bi = sql.Identifier(BI_SCHEMA)
        database = conn.execute("SELECT current_database()").fetchone()
        assert database is not None
        _close_public_write_paths(conn, role, sql.Identifier(database[0]))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database[0]), role))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(bi, role))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(bi, role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(bi, role))
        # Views added by later migrations (run by the same owner) become readable without re-running this.
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(bi, role))
        still_open = open_write_paths(conn, role_name)
        if still_open:  # raised inside the transaction: nothing of this run is kept
            raise WritePathOpenError(
                f"role {role_name!r} could still write through {', '.join(still_open)}: the role running this "
                "command may not revoke them from PUBLIC; run it as a superuser, or have one run once: "
                + "; ".join(f"REVOKE {path} FROM PUBLIC" for path in still_open)
            )
    return BiRoleResult(role_name=role_name, created=not exists)


def drop_bi_role(conn: psycopg.Connection, role_name: str = DEFAULT_ROLE) -> bool:
    """Remove the BI role's privileges in this database and the role itself; False if it did not exist.

    If the role was also granted rights in another database, run this there first (PostgreSQL refuses to drop
    a role that still holds privileges anywhere).
    """
    _check_role_name(role_name)
    with conn.transaction():
        if not _guard_existing_role(conn, role_name):
            return False
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role_name)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role_name)))
    return True
