"""Cells of a Fluvius quarter-hour export: header names (English and Dutch), registers, statuses, numbers.

Each parser takes the raw cell and its line number and either returns a clean value or raises BelgianCsvError
naming the column as it is written in the file.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Final

from linky_pipeline.lib.sources.belgium.errors import BelgianCsvError

# canonical key -> header names as exported (English, Dutch)
HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "from_date": ("From (date)", "Van (datum)"),
    "from_time": ("From (time)", "Van (tijdstip)"),
    "until_date": ("Until (date)", "Tot (datum)"),
    "until_time": ("Until (time)", "Tot (tijdstip)"),
    "ean": ("EAN code", "EAN-code"),
    "meter": ("Meter",),
    "meter_type": ("Meter type", "Metertype"),
    "register": ("Register",),
    "volume": ("Volume",),
    "unit": ("Unit", "Eenheid"),
    "status": ("Validation status", "Validatiestatus"),
    "description": ("Description", "Omschrijving"),
}
MAX_CELL: Final = 256  # no cell of a portal export comes near this; longer is a broken or hostile file (except a
# volume written as a plain number, however long: an implausible value, quarantined by the importer)
REQUIRED: Final = ("from_date", "from_time", "until_date", "until_time", "ean", "register", "volume", "unit", "status")

# normalised status -> quality stored in readings ("no_consumption" rows are gaps and never stored)
STATUSES: Final[dict[str, str]] = {
    "read": "read",
    "uitgelezen": "read",
    "gemeten": "read",
    "gelezen": "read",
    "estimated": "estimated",
    "geschat": "estimated",
    "validated": "validated",
    "gevalideerd": "validated",
    "no consumption": "no_consumption",
    "geen verbruik": "no_consumption",
    "no data": "no_consumption",
    "geen gegevens": "no_consumption",
}
GAP = "no_consumption"
DIRECTIONS: Final[dict[str, str]] = {
    "offtake": "consumption",
    "afname": "consumption",
    "injection": "production",
    "injectie": "production",
}
TARIFFS: Final = frozenset({"", "day", "night", "dag", "nacht", "peak", "off-peak", "piek", "dal", "total", "totaal"})

_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_EAN = re.compile(r'^=?"?(\d{18})"?$')
_VOLUME = re.compile(r"^-?\d+(?:[,.]\d+)?$")


def header_map(cells: list[str]) -> dict[str, int]:
    """Column index of every known header; a missing required column refuses the file (line 1)."""
    names = [c.strip().lstrip("\ufeff").strip() for c in cells]
    found: dict[str, int] = {}
    for key, spellings in HEADERS.items():
        for index, name in enumerate(names):
            if name in spellings:
                found[key] = index
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise BelgianCsvError(
            "header",
            ";".join(names)[:200],
            1,
            f"not a Fluvius quarter-hour export: missing column(s) {', '.join(missing)}",
        )
    return found


def parse_date(field: str, raw: str, line: int) -> date:
    match = _DATE.match(raw.strip())
    if not match:
        raise BelgianCsvError(field, raw, line, "expected a date as DD/MM/YYYY")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise BelgianCsvError(field, raw, line, "no such calendar date") from None


def parse_time(field: str, raw: str, line: int) -> time:
    match = _TIME.match(raw.strip())
    if not match:
        raise BelgianCsvError(field, raw, line, "expected a time as HH:MM:SS")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BelgianCsvError(field, raw, line, "no such time of day")
    return time(hour, minute, second)


def local_label(date_field: str, date_raw: str, time_field: str, time_raw: str, line: int) -> datetime:
    """Naive local wall-clock label (offset resolved later, by order of appearance)."""
    return datetime.combine(parse_date(date_field, date_raw, line), parse_time(time_field, time_raw, line))


def parse_ean(field: str, raw: str, line: int) -> str:
    """`="541448820052377134"` (Excel-protected) or bare digits."""
    match = _EAN.match(raw.strip())
    if not match:
        raise BelgianCsvError(field, raw, line, "expected an 18-digit EAN")
    return match[1]


def parse_register(field: str, raw: str, line: int) -> str:
    """Direction of a register: Offtake/Afname -> consumption, Injection/Injectie -> production."""
    head, _, tariff = raw.strip().lower().partition(" ")
    if head not in DIRECTIONS or tariff.strip() not in TARIFFS:
        raise BelgianCsvError(field, raw, line, "expected Offtake/Injection (Afname/Injectie) with Day or Night")
    return DIRECTIONS[head]


def parse_status(field: str, raw: str, line: int) -> str:
    status = STATUSES.get(" ".join(raw.strip().lower().split()))
    if status is None:
        raise BelgianCsvError(field, raw, line, "expected Read, Estimated, Validated or No consumption")
    return status


def parse_unit(field: str, raw: str, line: int) -> None:
    if raw.strip().lower() != "kwh":
        raise BelgianCsvError(field, raw, line, "only kWh energy is supported")


def is_number(cell: str) -> bool:
    """A volume cell written as a plain number (any length: an overflowing one is quarantined, not refused)."""
    return bool(_VOLUME.match(cell.strip()))


def parse_volume(field: str, raw: str, line: int) -> float:
    """kWh with a decimal comma; a non-numeric cell refuses the file. A number that no meter can measure (negative,
    20 digits, so many that it overflows to infinity) is returned as read: the importer quarantines that interval
    (lib/sources/plausibility.py) and lands the others."""
    text = raw.strip()
    if not _VOLUME.match(text):
        raise BelgianCsvError(field, raw, line, "expected a number of kWh with a decimal comma, e.g. 0,173")
    return float(text.replace(",", "."))
