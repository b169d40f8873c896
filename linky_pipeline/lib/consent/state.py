"""Signed, expiring, single-use OAuth `state` (CSRF protection for the consent redirect).

Format (≤ 100 characters, URL-safe): ``v1.<provider>.<nonce>.<expiry>.<mac>.<digit>``.
The MAC (HMAC-SHA256, base64url) covers the building code too, which is committed without being spelled out:
the verifier must already know which building the consent is for. The last character is a digit covered by the
MAC because the Enedis sandbox picks its fake customer from the state's last digit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from linky_pipeline.lib.consent.errors import (
    ExpiredStateError,
    ForgedStateError,
    ReplayedStateError,
    StateConfigError,
)

ENV_STATE_SECRET = "LINKY_STATE_SECRET"  # noqa: S105 (the variable name, not its value)
MIN_SECRET_CHARS = 32
MAX_STATE_CHARS = 100
DEFAULT_TTL = timedelta(minutes=10)
MAX_TTL = timedelta(days=1)
# Used nonces are kept longer than any state can live, then purged (expiry already rejects older states).
NONCE_RETENTION = timedelta(days=2)
_VERSION = "v1"
_STATE = re.compile(r"^v1\.([a-z_]{1,16})\.([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})\.([0-9])$")


@dataclass(frozen=True, slots=True)
class VerifiedState:
    """What a verified state proves: who it was for, its nonce (now used) and its expiry."""

    building_code: str
    provider: str
    nonce: str
    expires_at: datetime
    digit: int


class StateSigner:
    """Signs and verifies states with a server-side secret (never printed, never in repr)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise StateConfigError(
                f"{ENV_STATE_SECRET} must be at least {MIN_SECRET_CHARS} characters (got {len(secret)})"
            )
        self._secret = secret.encode()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StateSigner:
        env = os.environ if environ is None else environ
        secret = env.get(ENV_STATE_SECRET, "")
        if not secret:
            raise StateConfigError(
                f"{ENV_STATE_SECRET} is not set: give a random string of at least {MIN_SECRET_CHARS} characters"
            )
        return cls(secret)

    def __repr__(self) -> str:
        return "StateSigner(<secret hidden>)"

    def _mac(self, building_code: str, provider: str, nonce: str, expiry: int, digit: int) -> str:
        text = f"linky-state|{_VERSION}|{building_code}|{provider}|{nonce}|{expiry}|{digit}".encode()
        raw = hmac.new(self._secret, text, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def issue(
        self,
        building_code: str,
        provider: str,
        *,
        digit: int | None = None,
        ttl: timedelta = DEFAULT_TTL,
        now: datetime | None = None,
    ) -> str:
        """A fresh state for one consent attempt; `digit` (0-9) sets the last character."""
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ForgedStateError(f"state ttl {ttl} must be positive and at most {MAX_TTL}")
        if digit is not None and not 0 <= digit <= 9:
            raise ForgedStateError(f"state digit must be 0-9 (got {digit!r})")
        if not re.fullmatch(r"[a-z_]{1,16}", provider):
            raise ForgedStateError(f"state provider {provider!r} must be 1-16 lowercase letters")
        nonce_bytes = secrets.token_bytes(16)
        nonce = base64.urlsafe_b64encode(nonce_bytes).rstrip(b"=").decode()
        chosen = nonce_bytes[0] % 10 if digit is None else digit
        expiry = int(((now or datetime.now(UTC)) + ttl).timestamp())
        mac = self._mac(building_code, provider, nonce, expiry, chosen)
        state = f"{_VERSION}.{provider}.{nonce}.{expiry}.{mac}.{chosen}"
        assert len(state) <= MAX_STATE_CHARS
        return state

    def check(self, state: str, building_code: str, provider: str, *, now: datetime | None = None) -> VerifiedState:
        """Signature (constant time) then expiry; does not consume the nonce (see `verify`)."""
        shown = state if len(state) <= MAX_STATE_CHARS else state[:MAX_STATE_CHARS] + "…"
        match = _STATE.fullmatch(state)
        if match is None:
            raise ForgedStateError(f"state {shown!r} is malformed")
        got_provider, nonce, expiry_s, mac, digit_s = match.groups()
        expected = self._mac(building_code, got_provider, nonce, int(expiry_s), int(digit_s))
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            raise ForgedStateError(
                f"state {shown!r} has an invalid signature for building {building_code!r} "
                f"(forged, altered, or issued for another building)"
            )
        if got_provider != provider:
            raise ForgedStateError(f"state {shown!r} was issued for provider {got_provider!r}, not {provider!r}")
        expires_at = datetime.fromtimestamp(int(expiry_s), UTC)
        current = now or datetime.now(UTC)
        if current > expires_at:
            raise ExpiredStateError(f"state {shown!r} expired at {expires_at.isoformat()}; start the consent again")
        return VerifiedState(building_code, got_provider, nonce, expires_at, int(digit_s))

    def verify(
        self,
        conn: psycopg.Connection,
        state: str,
        building_code: str,
        provider: str,
        *,
        now: datetime | None = None,
    ) -> VerifiedState:
        """Full check: signature, expiry, then single use (the nonce is recorded; commits its own insert)."""
        verified = self.check(state, building_code, provider, now=now)
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO oauth_states (nonce) VALUES (%s) ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
                (verified.nonce,),
            ).fetchone()
            conn.execute("DELETE FROM oauth_states WHERE used_at < now() - %s", (NONCE_RETENTION,))
        if row is None:
            raise ReplayedStateError(f"state nonce {verified.nonce!r} was already used; start the consent again")
        return verified
