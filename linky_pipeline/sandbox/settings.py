"""Run-time switches of the sandbox (clock, faults, quotas), changeable while it serves."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from linky_pipeline.lib.domain.localtime import PARIS

DEFAULT_CLIENT_ID: Final = "sandbox-client"
DEFAULT_CLIENT_SECRET: Final = "sandbox-secret"  # noqa: S105 - the sandbox's public, documented test secret
_PRM = re.compile(r"^[0-9]{14}$")


class SandboxError(Exception):
    """Base of every error the sandbox package raises."""


class SettingsError(SandboxError, ValueError):
    """A control request carried an unknown field or a value of the wrong type or range."""


def _parse_day(name: str, value: Any) -> date:
    if not isinstance(value, str):
        raise SettingsError(f"{name} must be a YYYY-MM-DD string, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"{name} must be a YYYY-MM-DD string, got {value!r}") from None


def _number(name: str, value: Any, lo: float, hi: float, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise SettingsError(f"{name} must be a {'whole ' if integer else ''}number, got {value!r}")
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be within [{lo}, {hi}], got {value!r}")
    return value


def _meter_days(name: str, value: Any) -> frozenset[tuple[str, date]]:
    if not isinstance(value, list):
        raise SettingsError(f"{name} must be a list of {{usage_point_id, day}}, got {value!r}")
    out: set[tuple[str, date]] = set()
    for item in value:
        if not isinstance(item, dict) or set(item) != {"usage_point_id", "day"}:
            raise SettingsError(f"{name} items need exactly usage_point_id and day, got {item!r}")
        prm = item["usage_point_id"]
        if not isinstance(prm, str) or not _PRM.match(prm):
            raise SettingsError(f"{name}.usage_point_id must be 14 digits, got {prm!r}")
        out.add((prm, _parse_day(f"{name}.day", item["day"])))
    return frozenset(out)


@dataclass
class SandboxSettings:
    """Mutable, lock-protected settings; read a consistent copy with `snapshot()`."""

    today: date | None = None  # None: the real local date in Europe/Paris
    error_rate: float = 0.0
    latency_ms: int = 0
    malformed_rate: float = 0.0
    echo_rate: float = 0.0  # share of data calls refused with a 400 that echoes the bearer token (scrubbing tests)
    token_ttl_s: int = 12600
    quota_per_second: int = 5  # per API and client_id, as Enedis grants since the 2026 switch
    quota_per_hour: int = 1000
    time_scale: float = 1.0  # quota clock: 1000 makes an hour window last 3.6 s (benchmarks of hours of quota)
    withheld_days: frozenset[tuple[str, date]] = frozenset()  # answered 404 no_data_found
    empty_days: frozenset[tuple[str, date]] = frozenset()  # answered 200 without their points (the 2026 failure)
    subscribed_services_empty: int = 0  # first calls per consent answering an empty/null service list
    seed: int = 0
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = field(default=DEFAULT_CLIENT_SECRET, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def effective_today(self) -> date:
        """The sandbox's 'today': data for local day D is published iff D < today."""
        return self.today or datetime.now(UTC).astimezone(PARIS).date()

    def snapshot(self) -> SandboxSettings:
        """A consistent copy, so one request never sees half of a concurrent update."""
        with self._lock:
            return SandboxSettings(
                today=self.today,
                error_rate=self.error_rate,
                latency_ms=self.latency_ms,
                malformed_rate=self.malformed_rate,
                echo_rate=self.echo_rate,
                token_ttl_s=self.token_ttl_s,
                quota_per_second=self.quota_per_second,
                quota_per_hour=self.quota_per_hour,
                time_scale=self.time_scale,
                withheld_days=self.withheld_days,
                empty_days=self.empty_days,
                subscribed_services_empty=self.subscribed_services_empty,
                seed=self.seed,
                client_id=self.client_id,
                client_secret=self.client_secret,
            )

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a /sandbox/control JSON object (any subset of the public fields); all or nothing."""
        parsed: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "today":
                parsed[name] = None if value is None else _parse_day(name, value)
            elif name in ("error_rate", "malformed_rate", "echo_rate"):
                parsed[name] = float(_number(name, value, 0.0, 1.0))
            elif name == "subscribed_services_empty":
                parsed[name] = int(_number(name, value, 0, 100, integer=True))
            elif name == "latency_ms":
                parsed[name] = int(_number(name, value, 0, 60_000, integer=True))
            elif name == "token_ttl_s":
                parsed[name] = int(_number(name, value, 0, 10**7, integer=True))
            elif name in ("quota_per_second", "quota_per_hour"):
                parsed[name] = int(_number(name, value, 1, 10**9, integer=True))
            elif name == "time_scale":
                parsed[name] = float(_number(name, value, 0.001, 1_000_000))
            elif name == "seed":
                parsed[name] = int(_number(name, value, -(2**63), 2**63, integer=True))
            elif name in ("withheld_days", "empty_days"):
                parsed[name] = _meter_days(name, value)
            else:
                raise SettingsError(f"unknown setting {name!r}")
        with self._lock:
            for name, value in parsed.items():
                setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """Public view (never the client secret)."""
        snap = self.snapshot()
        return {
            "today": snap.effective_today().isoformat(),
            "today_fixed": snap.today is not None,
            "error_rate": snap.error_rate,
            "latency_ms": snap.latency_ms,
            "malformed_rate": snap.malformed_rate,
            "echo_rate": snap.echo_rate,
            "token_ttl_s": snap.token_ttl_s,
            "quota_per_second": snap.quota_per_second,
            "quota_per_hour": snap.quota_per_hour,
            "time_scale": snap.time_scale,
            "withheld_days": [
                {"usage_point_id": prm, "day": day.isoformat()} for prm, day in sorted(snap.withheld_days)
            ],
            "empty_days": [{"usage_point_id": prm, "day": day.isoformat()} for prm, day in sorted(snap.empty_days)],
            "subscribed_services_empty": snap.subscribed_services_empty,
            "seed": snap.seed,
            "client_id": snap.client_id,
        }
