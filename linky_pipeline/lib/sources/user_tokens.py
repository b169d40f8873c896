"""Per-meter OAuth2 tokens (authorization-code providers): what a client needs, and the store a higher layer
implements (the vault seals them per meter; the sources layer never sees a key).

Several meter rows can share one customer grant (the consumption and production directions of one meter): the
store keeps one sealed copy per row and renews them together, under a lock, so a rotated refresh token is never
used twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class TokenSet:
    """An access token, its expiry and the refresh token that renews it (values never in repr)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    issued_at: datetime | None = None

    def expiring(self, now: datetime, margin: timedelta) -> bool:
        """True when the access token is gone or will be within `margin` (unknown expiry: never). A token living
        less than twice the margin is renewed halfway through its life, not before every call."""
        if self.expires_at is None:
            return False
        if self.issued_at is not None:
            margin = min(margin, (self.expires_at - self.issued_at) / 2)
        return now >= self.expires_at - margin


@dataclass(frozen=True)
class StoredTokens:
    """A meter's tokens with the building the meter belongs to (the quota is per building)."""

    building_code: str
    tokens: TokenSet


class UserTokenStore(Protocol):
    """Where per-meter tokens live between runs."""

    def load(self, provider: str, meter_id: str, direction: str) -> StoredTokens | None:
        """The active meter's tokens, or None when the meter has none (never connected, or revoked)."""
        ...

    def renew(self, provider: str, meter_id: str, stale: TokenSet, renew: Callable[[TokenSet], TokenSet]) -> TokenSet:
        """Under an exclusive lock on the meter's grant: the stored tokens if someone already replaced `stale`,
        else `renew(stored)` saved for every row sharing the grant. An exception from `renew` stores nothing."""
        ...
