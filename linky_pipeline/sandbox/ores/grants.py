"""Authorization codes, access tokens and refresh tokens of the ORES sandbox (never logged or echoed).

Tokens are signed (HMAC) and carry their grant, meters and expiry, so the tokens `make demo` stored stay valid
when `make dev` starts a new sandbox process; what changes over a token's life (a rotated refresh token, a
revoked grant) is remembered in memory from the moment the sandbox sees it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

CODE_TTL_S: Final = 600.0
_KEY: Final = b"linky-sandbox-ores-token-signing-key"  # the offline emulator's own key, not a secret


@dataclass
class Grant:
    """One customer's consent: the meters it covers, its current refresh token, whether it was revoked."""

    meters: tuple[str, ...]
    revoked: bool = False
    refresh_token: str = ""


@dataclass(frozen=True)
class Code:
    grant_id: str
    redirect_uri: str
    client_id: str
    expires: float


def _sign(claims: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
    mac = base64.urlsafe_b64encode(hmac.new(_KEY, body, hashlib.sha256).digest()).rstrip(b"=")
    return f"{body.decode()}.{mac.decode()}"


def _claims(token: str) -> dict[str, Any] | None:
    body, _, mac = token.partition(".")
    expected = base64.urlsafe_b64encode(hmac.new(_KEY, body.encode(), hashlib.sha256).digest()).rstrip(b"=")
    if not mac or not hmac.compare_digest(expected, mac.encode()):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


@dataclass
class GrantStore:
    """Thread-safe book of the grants seen and every code and token handed out."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _grants: dict[str, Grant] = field(default_factory=dict)
    _codes: dict[str, Code] = field(default_factory=dict)
    _issued: list[str] = field(default_factory=list)

    def new_code(self, meters: tuple[str, ...], redirect_uri: str, client_id: str) -> str:
        code = secrets.token_urlsafe(24)
        grant_id = secrets.token_hex(8)
        with self._lock:
            self._grants[grant_id] = Grant(meters)
            self._codes[code] = Code(grant_id, redirect_uri, client_id, time.monotonic() + CODE_TTL_S)
            self._issued.append(code)
        return code

    def redeem(self, code: str, redirect_uri: str, client_id: str) -> str | None:
        """The grant of a valid, unused code issued for this client and redirect URI (the code is spent)."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found.expires < time.monotonic():
            return None
        if found.redirect_uri != redirect_uri or found.client_id != client_id:
            return None
        return found.grant_id

    def issue(self, grant_id: str, ttl_s: int, rotate: bool) -> tuple[str, str]:
        """(access token, refresh token): a new refresh token when rotating (the old one dies), else the same."""
        with self._lock:
            grant = self._grants[grant_id]
            claims = {"g": grant_id, "m": list(grant.meters), "n": secrets.token_hex(8)}
            access = _sign({**claims, "k": "access", "exp": time.time() + ttl_s})
            if rotate or not grant.refresh_token:
                grant.refresh_token = _sign({**claims, "k": "refresh"})
                self._issued.append(grant.refresh_token)
            self._issued.append(access)
            return access, grant.refresh_token

    def grant_of_refresh(self, refresh_token: str) -> str | None:
        """The grant a refresh token renews; None when forged, rotated away or revoked."""
        claims = _claims(refresh_token)
        if claims is None or claims.get("k") != "refresh":
            return None
        with self._lock:
            grant = self._grants.setdefault(claims["g"], Grant(tuple(claims["m"]), refresh_token=refresh_token))
            if grant.revoked or grant.refresh_token != refresh_token:
                return None
            return str(claims["g"])

    def meters_of_access(self, access_token: str) -> tuple[str, ...] | None:
        """Meters an access token may read, or None when it is forged, expired or revoked."""
        claims = _claims(access_token)
        if claims is None or claims.get("k") != "access" or claims.get("exp", 0) <= time.time():
            return None
        with self._lock:
            grant = self._grants.get(claims["g"])
            if grant is not None and grant.revoked:
                return None
        return tuple(claims["m"])

    def revoke_meter(self, meter_id: str) -> int:
        """Revoke every grant covering `meter_id` (the customer withdrew consent); returns how many."""
        with self._lock:
            hit = [g for g in self._grants.values() if meter_id in g.meters and not g.revoked]
            for grant in hit:
                grant.revoked = True
            return len(hit)

    def issued(self) -> list[str]:
        """Every code and token handed out so far (tests and the demo check none of them leaked)."""
        with self._lock:
            return list(self._issued)
