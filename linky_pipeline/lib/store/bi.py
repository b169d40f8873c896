"""The read-only BI role: reads the `bi` views and nothing else.

Views run with their owner's rights, so the role needs no privilege on the base tables: it gets USAGE on `bi`,
SELECT on its views, and explicit revokes everywhere else. Credentials (meter_credentials), OAuth states and the
shared rate limiter stay unreadable, and the role's sessions are read-only by default on top of having no
write grant. The password is hashed client-side (SCRAM-SHA-256), so the plaintext never reaches the server or
its statement log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database[0]), role))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(bi, role))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(bi, role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(bi, role))
        # Views added by later migrations (run by the same owner) become readable without re-running this.
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(bi, role))
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
