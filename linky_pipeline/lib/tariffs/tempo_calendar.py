"""Tempo day colours from a file: CSV (`date;colour`, French or English names) or RTE's JSON calendar shape.

A day's colour applies from 06:00 that day to 06:00 the next (local time). Every refused line names its line
number and value; nothing is returned from a file with a bad line (no half-loaded calendar).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any, Final

from linky_pipeline.lib.tariffs.models import Colour
from linky_pipeline.lib.tariffs.validate import TariffError

NAMES: Final[dict[str, Colour]] = {
    "BLUE": "BLUE",
    "BLEU": "BLUE",
    "WHITE": "WHITE",
    "BLANC": "WHITE",
    "RED": "RED",
    "ROUGE": "RED",
}


def colour_name(value: str, where: str) -> Colour:
    key = value.strip().upper()
    if key not in NAMES:
        raise TariffError(f"tempo colour ({where})", value, "expected BLUE/WHITE/RED or BLEU/BLANC/ROUGE")
    return NAMES[key]


def _day(value: str, where: str) -> date:
    text = value.strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):  # noqa: DTZ007
        try:
            return parse(text)
        except ValueError:
            continue
    raise TariffError(f"tempo date ({where})", value, "expected YYYY-MM-DD or DD/MM/YYYY")


def parse_tempo_csv(text: str) -> dict[date, Colour]:
    """`date;colour` rows (a header line is skipped; ',' or ';' separated)."""
    text = text.lstrip("\ufeff")
    dialect = ";" if text.count(";") >= text.count(",") else ","
    found: dict[date, Colour] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=dialect), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and not row[0].strip()[:1].isdigit():
            continue  # header
        if len(row) < 2:
            raise TariffError(f"tempo line {number}", dialect.join(row), "expected date and colour")
        day = _day(row[0], f"line {number}")
        colour = colour_name(row[1], f"line {number}")
        if found.get(day, colour) != colour:
            raise TariffError(f"tempo line {number}", row[0], "the same day appears twice with different colours")
        found[day] = colour
    return found


def parse_rte_calendar(payload: dict[str, Any]) -> dict[date, Colour]:
    """RTE Tempo Like Supply Contract answer: {"tempo_like_calendars": {"values": [{start_date, value}]}}."""
    try:
        values = payload["tempo_like_calendars"]["values"]
    except (KeyError, TypeError):
        raise TariffError("tempo calendar", str(payload)[:80], "no tempo_like_calendars.values in the answer") from None
    found: dict[date, Colour] = {}
    for position, item in enumerate(values):
        where = f"value {position}"
        start = str(item.get("start_date", ""))
        day = _day(start[:10], where)
        found[day] = colour_name(str(item.get("value", "")), where)
    return found


def parse_tempo_file(name: str, text: str) -> dict[date, Colour]:
    """By content: JSON (RTE's shape) or CSV."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("{"):
        try:
            payload = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise TariffError("tempo file", name, f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
        return parse_rte_calendar(payload)
    return parse_tempo_csv(text)
