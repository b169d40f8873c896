"""Validation of the identifiers users type: one clear message naming the field and the value."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

# The forms a meter identifier takes, and which ones each provider code accepts (what the registry checks before
# any provider module is involved; the meters CHECK constraint says the same). ORES: the seed writes its meters as a
# 14-digit `prm`, Belgian access points are EAN-18: both are accepted.
PRM: Final = "PRM"
EAN: Final = "EAN"
ID_FORMS: Final[dict[str, tuple[str, ...]]] = {"enedis": (PRM,), "ores": (PRM, EAN), "be_csv": (EAN,)}
PROVIDERS: Final = tuple(ID_FORMS)
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


MAX_NAME: Final = 200
# C0/C1 controls (CR, LF, NUL, ESC…) and the Unicode line/paragraph separators: none belongs in a name, and in an
# e-mail header a line break starts a new header (injection) or makes every message of the building undeliverable.
_LINE_BREAKING: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_safe(field: str, value: str) -> str:
    """`value` unchanged if it can travel in an e-mail header (no control character, no line break)."""
    found = _LINE_BREAKING.search(value)
    if found:
        raise InvalidValueError(
            field, value, f"character {found.start() + 1} ({found.group()!r}) is a control character or line break"
        )
    return value


def display_name(field: str, value: str) -> str:
    """A human name shown in e-mail subjects and dashboards: one line, 1-200 characters, stripped."""
    name = header_safe(field, value).strip()
    if not name:
        raise InvalidValueError(field, value, "must not be empty")
    if len(name) > MAX_NAME:
        raise InvalidValueError(field, f"{name[:40]}…", f"at most {MAX_NAME} characters, got {len(name)}")
    return name


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


def prm(value: str) -> str:
    """A French PRM (or the seed's ORES `prm`): exactly 14 digits, no public checksum (leading zeros kept)."""
    problem = _digits_problem(value, 14)
    if problem:
        raise InvalidValueError("PRM", value, f"a PRM has exactly 14 digits; {problem}")
    return value


def ean(value: str) -> str:
    """A Belgian EAN-18 (GSRN) with its GS1 mod-10 check digit."""
    problem = _digits_problem(value, 18)
    if problem:
        raise InvalidValueError("EAN", value, f"an EAN has exactly 18 digits; {problem}")
    if not gs1_check_digit_ok(value):
        raise InvalidValueError("EAN", value, "wrong GS1 check digit")
    return value


def meter_id(provider_name: str, value: str) -> str:
    """The identifier if it has one of the forms the provider accepts; otherwise the error of the closest form
    (by length), or one naming every accepted form."""
    forms = ID_FORMS.get(provider(provider_name), ())
    checks = {PRM: prm, EAN: ean}
    if len(forms) == 1:
        return checks[forms[0]](value)
    for form, length in ((PRM, 14), (EAN, 18)):
        if form in forms and len(value) == length:
            return checks[form](value)
    raise InvalidValueError(
        " or ".join(forms),
        value,
        f"{provider_name} meters are identified by "
        + " or ".join(f"{'an' if f == EAN else 'a'} {f} ({14 if f == PRM else 18} digits)" for f in forms)
        + f" (got {len(value)} characters)",
    )


def iso_date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(field, value, "expected a date as YYYY-MM-DD") from None
