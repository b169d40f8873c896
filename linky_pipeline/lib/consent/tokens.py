"""Per-meter OAuth2 tokens sealed by the vault: the UserTokenStore the authorization-code clients use.

Every meter row of one grant (the directions of a meter id) holds its own sealed copy (AAD = that row), and a
renewal rewrites all of them in one transaction while the rows are locked (SELECT … FOR UPDATE): two threads or
processes never spend the same refresh token, the second one simply gets the tokens the first one stored.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.sources.errors import ConsentLostError
from linky_pipeline.lib.sources.user_tokens import StoredTokens, TokenSet

Connect = Callable[[], psycopg.Connection]
_ACCESS_TIMES = "SELECT expires_at, updated_at FROM meter_credentials WHERE meter_pk = %s AND name = 'access_token'"


def _read(conn: psycopg.Connection, vault: Vault, meter_pk: int) -> TokenSet | None:
    access = credentials.load(conn, vault, meter_pk, "access_token")
    if access is None:
        return None
    row = conn.execute(_ACCESS_TIMES, (meter_pk,)).fetchone()
    expires_at, stored_at = row if row else (None, None)  # stored when issued: its lifetime bounds the margin
    return TokenSet(access, credentials.load(conn, vault, meter_pk, "refresh_token"), expires_at, stored_at)


def save_tokens(conn: psycopg.Connection, vault: Vault, meter_pks: list[int], tokens: TokenSet) -> None:
    """Seal the tokens for each meter row (in the caller's transaction, or committed at once)."""
    for pk in meter_pks:
        credentials.store(conn, vault, pk, "access_token", tokens.access_token, expires_at=tokens.expires_at)
        if tokens.refresh_token:
            credentials.store(conn, vault, pk, "refresh_token", tokens.refresh_token)


class VaultTokenStore:
    """UserTokenStore over meter_credentials; opens a short connection per operation (thread-safe)."""

    def __init__(self, connect: Connect, vault: Vault) -> None:
        self._connect, self._vault = connect, vault

    def __repr__(self) -> str:
        return f"VaultTokenStore(vault={self._vault!r})"

    def load(self, provider: str, meter_id: str, direction: str) -> StoredTokens | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, building_code FROM meters WHERE provider = %s AND meter_id = %s AND direction = %s "
                "AND status = 'active'",
                (provider, meter_id, direction),
            ).fetchone()
            if row is None:
                return None
            tokens = _read(conn, self._vault, int(row[0]))
        return StoredTokens(str(row[1]), tokens) if tokens is not None else None

    def renew(self, provider: str, meter_id: str, stale: TokenSet, renew: Callable[[TokenSet], TokenSet]) -> TokenSet:
        with self._connect() as conn, conn.transaction():
            pks = [
                int(r[0])
                for r in conn.execute(
                    "SELECT m.id FROM meters m WHERE m.provider = %s AND m.meter_id = %s AND m.status = 'active' "
                    "AND EXISTS (SELECT 1 FROM meter_credentials c WHERE c.meter_pk = m.id) ORDER BY m.id FOR UPDATE",
                    (provider, meter_id),
                )
            ]
            stored = _read(conn, self._vault, pks[0]) if pks else None
            if stored is None:  # disconnected or revoked while the run was fetching
                raise ConsentLostError(meter_id, "credentials_deleted", 401)
            if stored.access_token != stale.access_token:
                return stored  # another thread or process renewed it while we waited for the lock
            fresh = renew(stored)
            save_tokens(conn, self._vault, pks, fresh)
        return fresh
