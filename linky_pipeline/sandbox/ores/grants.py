"""Authorization codes, access tokens and refresh tokens of the ORES sandbox (never logged or echoed)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Final

CODE_TTL_S: Final = 600.0


@dataclass
class Grant:
    """One customer's consent: the meters it covers; revoked grants refuse every token."""

    meters: tuple[str, ...]
    revoked: bool = False
    refresh_token: str = ""


@dataclass(frozen=True)
class Code:
    grant_id: int
    redirect_uri: str
    client_id: str
    expires: float


@dataclass
class GrantStore:
    """Thread-safe book of every code and token handed out."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _grants: dict[int, Grant] = field(default_factory=dict)
    _codes: dict[str, Code] = field(default_factory=dict)
    _access: dict[str, tuple[int, float]] = field(default_factory=dict)
    _refresh: dict[str, int] = field(default_factory=dict)
    _issued: list[str] = field(default_factory=list)

    def new_code(self, meters: tuple[str, ...], redirect_uri: str, client_id: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            grant_id = len(self._grants) + 1
            self._grants[grant_id] = Grant(meters)
            self._codes[code] = Code(grant_id, redirect_uri, client_id, time.monotonic() + CODE_TTL_S)
            self._issued.append(code)
        return code

    def redeem(self, code: str, redirect_uri: str, client_id: str) -> int | None:
        """The grant of a valid, unused code issued for this client and redirect URI (the code is spent)."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found.expires < time.monotonic():
            return None
        if found.redirect_uri != redirect_uri or found.client_id != client_id:
            return None
        return found.grant_id

    def issue(self, grant_id: int, ttl_s: int, rotate: bool) -> tuple[str, str]:
        """(access token, refresh token): a new refresh token when rotating (the old one dies), else the same."""
        access = secrets.token_urlsafe(32)
        with self._lock:
            grant = self._grants[grant_id]
            self._access[access] = (grant_id, time.monotonic() + ttl_s)
            if rotate or not grant.refresh_token:
                self._refresh.pop(grant.refresh_token, None)
                grant.refresh_token = secrets.token_urlsafe(32)
                self._refresh[grant.refresh_token] = grant_id
                self._issued.append(grant.refresh_token)
            self._issued.append(access)
            return access, grant.refresh_token

    def grant_of_refresh(self, refresh_token: str) -> int | None:
        with self._lock:
            grant_id = self._refresh.get(refresh_token)
            if grant_id is None or self._grants[grant_id].revoked:
                return None
            return grant_id

    def meters_of_access(self, access_token: str) -> tuple[str, ...] | None:
        """Meters an access token may read, or None when it is unknown, expired or revoked."""
        with self._lock:
            entry = self._access.get(access_token)
            if entry is None or entry[1] <= time.monotonic() or self._grants[entry[0]].revoked:
                return None
            return self._grants[entry[0]].meters

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
