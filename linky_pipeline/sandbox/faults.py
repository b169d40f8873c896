"""Server-side state that shapes answers: tokens, quotas, injected faults and call statistics."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Fault = Literal["500", "503", "malformed", "echo"]


class TokenStore:
    """Opaque bearer tokens with an expiry; a token is never logged or echoed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def issue(self, client_id: str, ttl_s: int) -> str:
        """A fresh token for `client_id`, valid `ttl_s` seconds (0 = already expired, for tests)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (client_id, time.monotonic() + ttl_s)
        return token

    def issued(self) -> list[str]:
        """Every token handed out so far (tests and the demo check none of them leaked)."""
        with self._lock:
            return list(self._tokens)

    def client_of(self, token: str) -> str | None:
        """The client a token was issued to, or None if unknown or expired."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or time.monotonic() >= entry[1]:
            return None
        return entry[0]


@dataclass(frozen=True)
class QuotaExceeded:
    """Which quota tripped and when the caller may come back."""

    kind: Literal["Q3", "Q4"]
    retry_after_s: int
    next_access: datetime


class QuotaTracker:
    """Enedis's Q3 (calls per second) and Q4 (calls per hour) quotas, sliding windows per client_id.

    A refused call does not count, so a client that waits Retry-After always gets through.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = {}

    def admit(self, client_id: str, per_second: int, per_hour: int) -> QuotaExceeded | None:
        """Record the call if both windows have room, else say which quota is exhausted."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(client_id, deque())
            while calls and calls[0] <= now - 3600.0:
                calls.popleft()
            if len(calls) >= per_hour:
                wait = calls[len(calls) - per_hour] + 3600.0 - now
                return QuotaExceeded("Q4", max(1, math.ceil(wait)), _wall_after(wait))
            if _count_since(calls, now - 1.0, per_second) >= per_second:
                return QuotaExceeded("Q3", 1, _wall_after(1.0))
            calls.append(now)
        return None

    def reset(self) -> None:
        """Forget every recorded call (tests)."""
        with self._lock:
            self._calls.clear()


def _count_since(calls: deque[float], since: float, cap: int) -> int:
    """Calls after `since`, counted from the newest and stopping at `cap` (the deque can be long)."""
    count = 0
    for moment in reversed(calls):
        if moment <= since or count >= cap:
            break
        count += 1
    return count


def _wall_after(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=math.ceil(seconds))).replace(microsecond=0)


def next_access_text(moment: datetime) -> str:
    """The WSO2 gateway's spelling, e.g. '2026-Jul-17 05:00:00+0000 UTC'."""
    return moment.astimezone(UTC).strftime("%Y-%b-%d %H:%M:%S+0000 UTC")


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultPlan:
    """Decides faults from (seed, request key, how many times that key was asked).

    Keying on the request rather than arrival order keeps outcomes independent of how concurrent
    requests interleave, while a retry of the same request gets a fresh draw.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()

    def draw(
        self, seed: int, key: str, error_rate: float, malformed_rate: float, echo_rate: float = 0.0
    ) -> Fault | None:
        """The fault (if any) this attempt of `key` suffers."""
        if error_rate <= 0 and malformed_rate <= 0 and echo_rate <= 0:
            return None
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
        if _unit(seed, key, attempt, "error") < error_rate:
            return "500" if _unit(seed, key, attempt, "kind") < 0.5 else "503"
        if _unit(seed, key, attempt, "malformed") < malformed_rate:
            return "malformed"
        if _unit(seed, key, attempt, "echo") < echo_rate:
            return "echo"
        return None

    def reset(self) -> None:
        """Start every key's attempt count again (a new seed or a stats reset)."""
        with self._lock:
            self._attempts.clear()


class CallStats:
    """Counts of API calls per path and per PRM (what a backfill costs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: Counter[str] = Counter()
        self._prms: Counter[str] = Counter()

    def record(self, path: str, prm: str | None) -> None:
        """Count one received API call."""
        with self._lock:
            self._paths[path] += 1
            if prm:
                self._prms[prm] += 1

    def to_json(self) -> dict[str, Any]:
        """The /sandbox/stats shape."""
        with self._lock:
            return {
                "calls": dict(sorted(self._paths.items())),
                "calls_by_prm": dict(sorted(self._prms.items())),
                "total": sum(self._paths.values()),
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._paths.clear()
            self._prms.clear()
