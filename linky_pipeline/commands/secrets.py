"""`linky-pipeline secrets …`: vault key management."""

from __future__ import annotations

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.consent.vault import Vault, VaultError, rotate
from linky_pipeline.lib.store import audit


@click.group("secrets")
def secrets() -> None:
    """Encrypted credentials (LINKY_ENCRYPTION_KEYS: current key first, older keys after)."""


@secrets.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored credential under the current (first) key, in one transaction."""
    try:
        vault = Vault.from_env()
        with warehouse() as conn, conn.transaction():
            count = rotate(conn, vault)
            audit.write(
                conn,
                "secrets_rotated",
                audit.cli_actor("secrets rotate"),
                details={"rotated": count, "current_key_id": vault.current_key_id, "key_ids": list(vault.key_ids)},
            )
    except (VaultError, audit.AuditError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"re-encrypted {count} credential(s) under key {vault.current_key_id}; "
        f"older keys can be removed from LINKY_ENCRYPTION_KEYS once every process has restarted"
    )
