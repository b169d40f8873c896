"""Per-meter secrets in meter_credentials, always sealed by the vault (never stored or returned in clear)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import psycopg

from linky_pipeline.lib.consent.vault import Sealed, Vault

CREDENTIAL_NAMES: Final = frozenset({"access_token", "refresh_token", "autorisation_id"})


class CredentialError(Exception):
    """Base of credential-store failures."""


class UnknownCredentialNameError(CredentialError):
    """The name is not one the schema allows."""


def _check_name(name: str) -> None:
    if name not in CREDENTIAL_NAMES:
        raise UnknownCredentialNameError(
            f"credential name {name!r} is not one of {', '.join(sorted(CREDENTIAL_NAMES))}"
        )


def store(
    conn: psycopg.Connection,
    vault: Vault,
    meter_pk: int,
    name: str,
    plaintext: str,
    *,
    expires_at: datetime | None = None,
) -> None:
    """Encrypt and upsert one secret (commits unless the caller has a transaction open); `expires_at` is when it
    stops working (an access token), stored in clear beside it."""
    _check_name(name)
    sealed = vault.encrypt(meter_pk, name, plaintext)
    with conn.transaction():
        conn.execute(
            "INSERT INTO meter_credentials (meter_pk, name, key_id, ciphertext, expires_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (meter_pk, name) DO UPDATE "
            "SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, expires_at = EXCLUDED.expires_at, "
            "updated_at = now()",
            (meter_pk, name, sealed.key_id, sealed.ciphertext, expires_at),
        )


def load(conn: psycopg.Connection, vault: Vault, meter_pk: int, name: str) -> str | None:
    """Decrypt one secret, or None when the meter has none of that name."""
    _check_name(name)
    row = conn.execute(
        "SELECT key_id, ciphertext FROM meter_credentials WHERE meter_pk = %s AND name = %s",
        (meter_pk, name),
    ).fetchone()
    if row is None:
        return None
    return vault.decrypt(meter_pk, name, Sealed(row[0], bytes(row[1])))


def delete_all(conn: psycopg.Connection, meter_pk: int) -> int:
    """Forget every secret of a meter; returns how many were deleted."""
    with conn.transaction():
        cur = conn.execute("DELETE FROM meter_credentials WHERE meter_pk = %s", (meter_pk,))
        return cur.rowcount


def access_expiries(conn: psycopg.Connection, meter_pks: list[int]) -> dict[int, datetime | None]:
    """When each meter's stored access token expires (None: no expiry known); meters without one are absent."""
    rows = conn.execute(
        "SELECT meter_pk, expires_at FROM meter_credentials WHERE name = 'access_token' AND meter_pk = ANY(%s)",
        (meter_pks,),
    ).fetchall()
    return {int(pk): expires for pk, expires in rows}
