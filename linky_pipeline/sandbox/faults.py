"""Server-side state that shapes answers: tokens, quotas, injected faults and call statistics."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
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
    retry_after_s: float
    next_access: datetime


class QuotaTracker:
    """Enedis's quotas per client_id and API: Q3 (calls per second, sliding) and Q4 (calls per hour, a fixed
    window aligned on the hour: WSO2 reopens on the hour).

    `time_scale` = s divides every duration by s: the second lasts 1/s s and the hour 3600/s s, windows aligned on
    multiples of the scaled hour since the Unix epoch (as lib.sources.ratelimit aligns them), so a client limiter
    with the same time_scale and the sandbox agree on every window. A refused call does not count.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, str], deque[float]] = {}
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # (client, api) → (window index, calls in it)
        self.refused: Counter[str] = Counter()
        self.per_window: Counter[tuple[str, int]] = Counter()  # (api, window index) → calls admitted

    def admit(
        self, client_id: str, api: str, per_second: int, per_hour: int, time_scale: float = 1.0
    ) -> QuotaExceeded | None:
        """Record the call if both quotas of (client_id, api) have room, else say which one is exhausted."""
        now = self._clock()
        second, hour = 1.0 / time_scale, 3600.0 / time_scale
        index = math.floor(now / hour)
        key = (client_id, api)
        with self._lock:
            window, used = self._windows.get(key, (index, 0))
            if window != index:
                window, used = index, 0
            if used >= per_hour:
                self.refused[api] += 1
                return QuotaExceeded("Q4", (index + 1) * hour - now, _wall((index + 1) * hour))
            recent = self._recent.setdefault(key, deque())
            while recent and recent[0] <= now - second:
                recent.popleft()
            if len(recent) >= per_second:
                self.refused[api] += 1
                return QuotaExceeded("Q3", recent[0] + second - now, _wall(recent[0] + second))
            recent.append(now)
            self._windows[key] = (window, used + 1)
            self.per_window[(api, window)] += 1
        return None

    def used(self, time_scale: float = 1.0) -> dict[str, int]:
        """Calls counted per API in the current hour window (every client summed)."""
        index = math.floor(self._clock() * time_scale / 3600.0)
        out: Counter[str] = Counter()
        with self._lock:
            for (_, api), (window, used) in self._windows.items():
                if window == index:
                    out[api] += used
        return dict(sorted(out.items()))

    def windows(self) -> dict[str, dict[int, int]]:
        """Calls admitted per API and hour window (window index = floor(epoch seconds × time_scale / 3600))."""
        out: dict[str, dict[int, int]] = {}
        with self._lock:
            for (api, window), count in sorted(self.per_window.items()):
                out.setdefault(api, {})[window] = count
        return out

    def reset(self) -> None:
        """Forget every recorded call (tests)."""
        with self._lock:
            self._recent.clear()
            self._windows.clear()
            self.refused.clear()
            self.per_window.clear()


def _wall(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def next_access_text(moment: datetime, precise: bool = False) -> str:
    """The WSO2 gateway's spelling, e.g. '2026-Jul-17 05:00:00+0000 UTC' (whole seconds, rounded up); `precise`
    (a scaled sandbox, whose windows last seconds) adds milliseconds: '2026-Jul-17 05:00:00.125+0000 UTC'."""
    moment = moment.astimezone(UTC)
    if precise:
        return moment.strftime("%Y-%b-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000 UTC"
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%b-%d %H:%M:%S+0000 UTC")


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
