"""Run-time switches of the ORES sandbox, changeable while it serves (POST /ores/sandbox/control)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, Final

from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.sandbox.settings import SettingsError

CLIENT_ID: Final = "ores-sandbox-client"
CLIENT_SECRET: Final = "ores-sandbox-secret"  # noqa: S105 - the offline sandbox's public test secret
_LIMITS: Final = {
    "access_ttl_s": (0, 10**7),
    "max_window_days": (1, 366),
    "history_months": (1, 120),
    "min_interval_s": (0, 3600),
    "stall_s": (0, 600),
}


@dataclass
class OresSandboxSettings:
    """Mutable, lock-protected settings; read a consistent copy with `snapshot()`."""

    today: date | None = None  # None: the real local date in Europe/Brussels
    access_ttl_s: int = 3600
    rotate_refresh_tokens: bool = True
    max_window_days: int = 31  # the seed's own example answers 18 days at once
    history_months: int = 36  # ORES gives customers three years of history
    min_interval_s: float = 0.0  # > 0: a customer calling faster than this gets 429 (the seed's 1 request / 2 s)
    stall_s: float = 5.0  # how long a "timeout" fault keeps the caller waiting
    client_id: str = CLIENT_ID
    client_secret: str = field(default=CLIENT_SECRET, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def effective_today(self) -> date:
        """Data of Brussels day D is published once D < today."""
        return self.today or datetime.now(UTC).astimezone(BRUSSELS).date()

    def snapshot(self) -> OresSandboxSettings:
        with self._lock:
            return replace(self, _lock=threading.RLock())

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a control object (any subset of the public fields except the credentials); all or nothing."""
        parsed: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "today":
                try:
                    parsed[name] = None if value is None else date.fromisoformat(value)
                except (TypeError, ValueError):
                    raise SettingsError(f"today must be a YYYY-MM-DD string or null, got {value!r}") from None
            elif name == "rotate_refresh_tokens":
                if not isinstance(value, bool):
                    raise SettingsError(f"rotate_refresh_tokens must be true or false, got {value!r}")
                parsed[name] = value
            elif name in _LIMITS:
                lo, hi = _LIMITS[name]
                if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                    raise SettingsError(f"{name} must be a number within [{lo}, {hi}], got {value!r}")
                parsed[name] = value
            else:
                raise SettingsError(f"unknown setting {name!r}")
        with self._lock:
            for name, value in parsed.items():
                setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """Public view (never the client secret)."""
        snap = self.snapshot()
        out = {f.name: getattr(snap, f.name) for f in fields(snap) if not f.name.startswith("_")}
        out.pop("client_secret")
        out["today"] = snap.effective_today().isoformat()
        return out
