"""Validation of the identifiers users type: one clear message naming the field and the value."""

from __future__ import annotations

import re
from datetime import date

PROVIDERS = ("enedis", "ores", "be_csv")
DIRECTIONS = ("consumption", "production")
TIMEZONES = ("Europe/Paris", "Europe/Brussels")
_BUILDING = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class InvalidValueError(ValueError):
    """A user-supplied value is malformed; str() is the one line shown to the user."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(f"invalid {field} {value!r}: {reason}")


def gs1_check_digit_ok(ean: str) -> bool:
    """GS1 mod-10 (GSRN): weights 3,1,3,… from the rightmost data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(ean[:-1])))
    return (10 - total % 10) % 10 == int(ean[-1])


def gs1_complete(first17: str) -> str:
    """The 18-digit EAN whose first 17 digits are given (used by fixtures and the sandbox)."""
    for digit in "0123456789":
        if gs1_check_digit_ok(first17 + digit):
            return first17 + digit
    raise AssertionError("unreachable: one digit always satisfies mod 10")


def building_code(value: str) -> str:
    if not _BUILDING.match(value):
        raise InvalidValueError(
            "building code", value, "use 1-63 lowercase letters, digits, '-' or '_' (it is a Dagster partition key)"
        )
    return value


def provider(value: str) -> str:
    if value not in PROVIDERS:
        raise InvalidValueError("provider", value, f"expected one of {', '.join(PROVIDERS)}")
    return value


def direction(value: str) -> str:
    if value not in DIRECTIONS:
        raise InvalidValueError("direction", value, f"expected one of {', '.join(DIRECTIONS)}")
    return value


def timezone_name(value: str) -> str:
    if value not in TIMEZONES:
        raise InvalidValueError("timezone", value, f"expected one of {', '.join(TIMEZONES)}")
    return value


def _digits_problem(value: str, length: int) -> str | None:
    """Why `value` is not exactly `length` ASCII digits: the first non-digit (1-based position) or the length."""
    for position, char in enumerate(value, start=1):
        if char not in "0123456789":
            return f"character {position} ({char!r}) is not a digit"
    if len(value) != length:
        return f"got {len(value)} digits"
    return None


def meter_id(provider_name: str, value: str) -> str:
    """A PRM (France, 14 digits) or an EAN-18 (Belgium, GS1 check digit)."""
    if provider_name == "enedis":
        problem = _digits_problem(value, 14)
        if problem:
            raise InvalidValueError("PRM", value, f"a PRM has exactly 14 digits; {problem}")
        return value
    problem = _digits_problem(value, 18)
    if problem:
        raise InvalidValueError("EAN", value, f"an EAN has exactly 18 digits; {problem}")
    if not gs1_check_digit_ok(value):
        raise InvalidValueError("EAN", value, "wrong GS1 check digit")
    return value


def iso_date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(field, value, "expected a date as YYYY-MM-DD") from None
