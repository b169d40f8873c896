"""audit_log writer (GDPR art. 30): what happened, to which building/meter, when, by whom; never a secret."""

from __future__ import annotations

import getpass
import re
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

# A details key is refused when one of its word parts is in this list ("access_token", "clientSecret", "api-key").
DENIED_WORDS: Final = frozenset(
    {
        "token",
        "tokens",
        "secret",
        "secrets",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "key",
        "keys",
        "apikey",
        "authorization",
        "bearer",
        "cookie",
        "ciphertext",
        "plaintext",
        "autorisation",
        "nonce",
        "signature",
        "mac",
        "hmac",
    }
)
# Whole keys refused as such (an OAuth authorization "code"), while "error_code" stays allowed.
DENIED_KEYS: Final = frozenset({"code", "state"})
# Word parts that are safe despite the deny-list (public key ids, table names of a deletion count).
ALLOWED_KEYS: Final = frozenset(
    {"key_id", "key_ids", "current_key_id", "meter_credentials", "oauth_states", "building_code"}
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


class AuditError(Exception):
    """Base of audit failures."""


class SecretInAuditError(AuditError):
    """details holds a key that may carry a secret."""


class InvalidAuditEntryError(AuditError):
    """action or actor is empty."""


def _words(key: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(key)}


def check_details(details: Any, path: str = "details") -> None:
    """Refuse any (nested) key whose name suggests a secret; values are never echoed."""
    if isinstance(details, Mapping):
        for key, value in details.items():
            key_s = str(key)
            lowered = key_s.lower()
            if lowered in DENIED_KEYS or (lowered not in ALLOWED_KEYS and _words(key_s) & DENIED_WORDS):
                raise SecretInAuditError(
                    f"{path}.{key_s} looks like a secret field (audit details must never hold secrets)"
                )
            check_details(value, f"{path}.{key_s}")
    elif isinstance(details, list | tuple):
        for i, value in enumerate(details):
            check_details(value, f"{path}[{i}]")


def cli_actor(command: str) -> str:
    """Actor string for a CLI command: the command and the OS user who ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{command} ({user})"


def write(
    conn: psycopg.Connection,
    action: str,
    actor: str,
    building_code: str | None = None,
    meter_ref: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Insert one audit row and return its id (part of the caller's transaction if one is open)."""
    if not action.strip():
        raise InvalidAuditEntryError(f"audit action must not be empty (got {action!r})")
    if not actor.strip():
        raise InvalidAuditEntryError(f"audit actor must not be empty (got {actor!r})")
    payload = dict(details or {})
    check_details(payload)
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO audit_log (action, actor, building_code, meter_ref, details) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (action, actor, building_code, meter_ref, Jsonb(payload)),
        ).fetchone()
    assert row is not None
    return int(row[0])
