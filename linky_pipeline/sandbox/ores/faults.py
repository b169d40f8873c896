"""Faults the ORES sandbox injects on request (POST /ores/sandbox/faults), consumed in order by matching calls.

A rule: {"fault": kind, "target": "data" | "consumption" | "production" | "token", "meter_id": optional,
"after": calls to let through first (default 0), "count": calls to hit (default 1)}.
Data kinds: 401 (the access token is refused as expired), 403, 429, 500, 503, timeout, malformed (truncated body),
bad_period (one reading an hour long), revoke (the customer withdraws consent: every token of the meter dies).
Token kinds: 429, 503, timeout, malformed, invalid_grant.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from linky_pipeline.sandbox.settings import SettingsError

DATA_FAULTS: Final = frozenset({"401", "403", "429", "500", "503", "timeout", "malformed", "bad_period", "revoke"})
TOKEN_FAULTS: Final = frozenset({"429", "503", "timeout", "malformed", "invalid_grant"})
TARGETS: Final = ("data", "consumption", "production", "token")


@dataclass
class FaultRule:
    fault: str
    target: str
    meter_id: str | None
    after: int
    count: int

    def matches(self, target: str, meter_id: str | None) -> bool:
        if self.target == "token":
            return target == "token"
        if target == "token":
            return False
        return self.target in ("data", target) and (self.meter_id is None or self.meter_id == meter_id)


def parse_rule(body: Any) -> FaultRule:
    """Validate one rule object (errors name the field)."""
    if not isinstance(body, dict):
        raise SettingsError(f"a fault rule must be a JSON object, got {body!r}")
    unknown = set(body) - {"fault", "target", "meter_id", "after", "count"}
    if unknown:
        raise SettingsError(f"unknown fault field(s) {sorted(unknown)}")
    target = body.get("target", "data")
    if target not in TARGETS:
        raise SettingsError(f"target must be one of {TARGETS}, got {target!r}")
    fault = str(body.get("fault"))
    allowed = TOKEN_FAULTS if target == "token" else DATA_FAULTS
    if fault not in allowed:
        raise SettingsError(f"fault {fault!r} is not one of {sorted(allowed)} for target {target!r}")
    numbers = {}
    for name, default, lo in (("after", 0, 0), ("count", 1, 1)):
        value = body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise SettingsError(f"{name} must be a whole number ≥ {lo}, got {value!r}")
        numbers[name] = value
    meter_id = body.get("meter_id")
    if meter_id is not None and not isinstance(meter_id, str):
        raise SettingsError(f"meter_id must be a string, got {meter_id!r}")
    return FaultRule(fault, target, meter_id, numbers["after"], numbers["count"])


class FaultQueue:
    """Rules in the order they were added; each matching call is let through or hit, then counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.hits: Counter[str] = Counter()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def draw(self, target: str, meter_id: str | None) -> str | None:
        """The fault this call suffers, if any (at most one rule acts on a call)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(target, meter_id):
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    return None
                rule.count -= 1
                if rule.count == 0:
                    self._rules.remove(rule)
                self.hits[rule.fault] += 1
                return rule.fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(rule).copy() for rule in self._rules]
