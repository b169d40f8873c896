"""AES-256-GCM vault for meter secrets: keys come from the environment, never from the database.

Stored value = 12-byte random nonce + ciphertext + 16-byte tag, next to the key id that encrypted it.
The associated data binds every ciphertext to its meter and secret name, so a value copied to another
meter (or renamed) fails authentication instead of decrypting.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENV_KEYS = "LINKY_ENCRYPTION_KEYS"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_HEX_CHARS = 64
_HEX = frozenset(string.hexdigits)


class VaultError(Exception):
    """Base of every vault failure."""


class VaultConfigError(VaultError):
    """The key configuration is unusable (raised at start, never names a key)."""


class VaultDecryptError(VaultError):
    """A stored value cannot be decrypted: unknown key id, tampering, or copied from another meter."""


def key_id_of(key: bytes) -> str:
    """Public identifier of a key: first 8 hex digits of its SHA-256 (safe to store and log)."""
    return hashlib.sha256(key).hexdigest()[:8]


def associated_data(meter_pk: int, name: str) -> bytes:
    """AAD binding a ciphertext to one meter and one secret name."""
    return f"linky:meter:{meter_pk}:{name}".encode()


def parse_keys(raw: str | None, variable: str = ENV_KEYS) -> list[bytes]:
    """Decode comma-separated 64-hex keys; errors name the variable and the entry position only."""
    if raw is None or not raw.strip():
        raise VaultConfigError(
            f"{variable} is not set: give one or more comma-separated 64-hex-character AES-256 keys "
            f"(current first), e.g. generated with `python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    keys: list[bytes] = []
    for position, entry in enumerate(raw.split(","), start=1):
        entry = entry.strip()
        if not entry:
            raise VaultConfigError(f"{variable}: entry {position} is empty")
        if not set(entry) <= _HEX:
            raise VaultConfigError(f"{variable}: entry {position} is not hexadecimal")
        if len(entry) != KEY_HEX_CHARS:
            raise VaultConfigError(
                f"{variable}: entry {position} has {len(entry)} hex characters, expected {KEY_HEX_CHARS} "
                f"(32 bytes for AES-256)"
            )
        keys.append(bytes.fromhex(entry))
    return keys


@dataclass(frozen=True, slots=True)
class Sealed:
    """What the database stores for one secret."""

    key_id: str
    ciphertext: bytes


class Vault:
    """Encrypts under the first (current) key; decrypts with any configured key, chosen by key id."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise VaultConfigError(f"{ENV_KEYS}: no key given")
        for position, key in enumerate(keys, start=1):
            if len(key) != KEY_HEX_CHARS // 2:
                raise VaultConfigError(f"{ENV_KEYS}: entry {position} is not a 32-byte key")
        self._ciphers: dict[str, AESGCM] = {}
        for key in keys:
            self._ciphers.setdefault(key_id_of(key), AESGCM(key))
        self._current = key_id_of(keys[0])

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Vault:
        """Build from LINKY_ENCRYPTION_KEYS; call at start so a bad key fails before any work."""
        env = os.environ if environ is None else environ
        return cls(parse_keys(env.get(ENV_KEYS)))

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def __repr__(self) -> str:
        return f"Vault(current_key_id={self._current!r}, key_ids={list(self._ciphers)!r})"

    def encrypt(self, meter_pk: int, name: str, plaintext: str) -> Sealed:
        """Seal a secret for one meter with a fresh random 96-bit nonce."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = self._ciphers[self._current].encrypt(nonce, plaintext.encode(), associated_data(meter_pk, name))
        return Sealed(self._current, nonce + body)

    def decrypt(self, meter_pk: int, name: str, sealed: Sealed) -> str:
        """Open a sealed secret; any failure is a VaultDecryptError naming the meter, not the secret."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise VaultDecryptError(
                f"credential {name!r} of meter {meter_pk} is encrypted with key id {sealed.key_id!r}, "
                f"which is not in {ENV_KEYS} (configured key ids: {', '.join(self._ciphers)})"
            )
        blob = bytes(sealed.ciphertext)
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise VaultDecryptError(f"credential {name!r} of meter {meter_pk} is truncated ({len(blob)} bytes)")
        try:
            plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data(meter_pk, name))
        except InvalidTag:
            raise VaultDecryptError(
                f"credential {name!r} of meter {meter_pk} failed authentication "
                f"(tampered, corrupted, or copied from another meter)"
            ) from None
        try:
            return plain.decode()
        except UnicodeDecodeError:
            raise VaultDecryptError(f"credential {name!r} of meter {meter_pk} is not UTF-8 text") from None


def rotate(conn: psycopg.Connection, vault: Vault) -> int:
    """Re-encrypt every stored credential under the current key in one transaction; returns the count.

    Any credential that cannot be decrypted aborts the whole rotation (nothing is half-rotated).
    Commits unless the caller already has a transaction open (then it is a savepoint of it).
    """
    count = 0
    with conn.transaction():
        rows = conn.execute(
            "SELECT meter_pk, name, key_id, ciphertext FROM meter_credentials ORDER BY meter_pk, name FOR UPDATE"
        ).fetchall()
        for meter_pk, name, key_id, ciphertext in rows:
            plaintext = vault.decrypt(meter_pk, name, Sealed(key_id, bytes(ciphertext)))
            fresh = vault.encrypt(meter_pk, name, plaintext)
            conn.execute(
                "UPDATE meter_credentials SET key_id = %s, ciphertext = %s, updated_at = now() "
                "WHERE meter_pk = %s AND name = %s",
                (fresh.key_id, fresh.ciphertext, meter_pk, name),
            )
            count += 1
    return count
