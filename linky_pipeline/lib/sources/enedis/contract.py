"""The 2026 contract summary (`GET /synth_contrat_auto/v1/{prm}`): last activation dates and subscribed power.

Captures of this API disagree on shapes (reference §1): `segments` as strings or as objects, `services_level` as
text or number, dates as days or instants with offsets written `+02:00` or `+0200`, the subscribed power as
"9 kVA", 9 or {"value": "9", "unit": "kVA"}, the summary bare, in a list or under a wrapper key. Every known shape
is read; a field in an unknown shape is left unset and named in `problems` (this call enriches the registry, it
must never block a consent or a sync).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.answers import error_code
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.quota import CONTRACT
from linky_pipeline.lib.sources.errors import ApiError, SourceParseError
from linky_pipeline.lib.sources.results import json_or_none

PATH: Final = "/synth_contrat_auto/v1/{prm}"
_WRAPPERS: Final = ("synthese_contrat", "synth_contrat", "syntheseContrat", "contrat", "contract", "data")
_ACTIVATION_KEYS: Final = {
    "consumption": ("consumption_last_activation_date", "last_activation_date", "dateDerniereMiseEnService"),
    "production": ("generation_last_activation_date", "production_last_activation_date"),
}
_POWER_KEYS: Final = ("subscribed_power", "puissance_souscrite", "puissanceSouscrite", "subscribedPower")
_DAY: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:([+-]\d{2}:?\d{2}|Z))?$")
_INSTANT: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$")
_POWER: Final = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(kva|va)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ContractSummary:
    """What the registry keeps from one PRM's contract summary."""

    activation: dict[str, date] = field(default_factory=dict)  # direction → last activation (local) day
    subscribed_kva: float | None = None
    segments: tuple[str, ...] = ()
    services_level: str | None = None
    problems: tuple[str, ...] = ()

    def activation_for(self, direction: str) -> date | None:
        return self.activation.get(direction)


def _unwrap(payload: object) -> Mapping[str, Any]:
    if isinstance(payload, list):
        payload = next((p for p in payload if isinstance(p, dict)), None)
    if not isinstance(payload, dict):
        raise SourceParseError("synth_contrat_auto", type(payload).__name__, "expected a JSON object")
    for key in _WRAPPERS:
        inner = payload.get(key)
        if isinstance(inner, list):
            inner = next((p for p in inner if isinstance(p, dict)), None)
        if isinstance(inner, dict) and not any(k in payload for k in _ACTIVATION_KEYS["consumption"]):
            return inner
    return payload


def local_day(value: object) -> date | None:
    """'2013-08-14', '2013-08-14+01:00', '2013-08-14T00:00:00+0200', '…Z' → the Europe/Paris day; else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    day = _DAY.match(text)
    if day:
        return _valid_day(day.group(1))
    instant = _INSTANT.match(text)
    if not instant:
        return None
    offset = instant.group(3) or ""
    if offset and offset != "Z" and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(f"{instant.group(1)}T{instant.group(2)}{offset}")
    except ValueError:
        return None
    return moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()


def _valid_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def kva(value: object) -> float | None:
    """'9 kVA', '9', 9, 9.0, '6,5 kVA', {'value': '9', 'unit': 'kVA'}, '9000 VA' → kVA; else None."""
    if isinstance(value, dict):
        unit = str(value.get("unit", value.get("unite", "kVA")))
        return kva(f"{value.get('value', value.get('valeur'))} {unit}")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number, unit = float(value), "kva"
    else:
        match = _POWER.match(str(value))
        if not match:
            return None
        number, unit = float(match.group(1).replace(",", ".")), (match.group(2) or "kva").lower()
    result = number / 1000 if unit == "va" else number
    return result if 0 < result <= 100_000 else None


def _segments(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    out = []
    for item in items:
        text = item.get("segment", item.get("code")) if isinstance(item, dict) else item
        if isinstance(text, str | int) and str(text).strip():
            out.append(str(text).strip())
    return tuple(out)


def _first_power(body: Mapping[str, Any]) -> tuple[object, bool]:
    """The first subscribed-power field found on the summary or its segments (value, found)."""
    places: list[Mapping[str, Any]] = [body]
    segments = body.get("segments")
    if isinstance(segments, list):
        places.extend(s for s in segments if isinstance(s, dict))
    for place in places:
        for key in _POWER_KEYS:
            if place.get(key) is not None:
                return place[key], True
    return None, False


def parse_contract(payload: object) -> ContractSummary:
    """A synth_contrat_auto body → ContractSummary (see the module docstring); only a non-object body raises."""
    body = _unwrap(payload)
    problems: list[str] = []
    activation: dict[str, date] = {}
    for direction, keys in _ACTIVATION_KEYS.items():
        for key in keys:
            if body.get(key) is None:
                continue
            day = local_day(body[key])
            if day is None:
                problems.append(f"{key}={str(body[key])[:40]!r}: not a date")
            else:
                activation[direction] = day
            break
    raw_power, found = _first_power(body)
    power = kva(raw_power) if found else None
    if found and power is None:
        problems.append(f"subscribed_power={str(raw_power)[:40]!r}: not a power in kVA")
    level = body.get("services_level")
    return ContractSummary(
        activation=activation,
        subscribed_kva=power,
        segments=_segments(body.get("segments")),
        services_level=str(level) if isinstance(level, str | int) and not isinstance(level, bool) else None,
        problems=tuple(problems),
    )


def fetch_contract(client: EnedisClient, prm: str) -> ContractSummary:
    """One synth_contrat_auto call (its own quota); a non-200 is an ApiError naming the PRM, never a secret."""
    response = client.authorized("GET", PATH.format(prm=prm), api=CONTRACT, what=f"synth_contrat_auto prm={prm}")
    payload = json_or_none(response.content)
    if response.status_code != 200:
        code, text = error_code(payload)
        raise ApiError(response.status_code, code, f"synth_contrat_auto prm={prm}: {text}")
    if payload is None and response.content.strip().startswith(b"["):
        return parse_contract(response.json())
    return parse_contract(payload)
