"""Each meter's contract facts in the registry: last activation date and subscribed power (kVA), read from the
provider's contract API (where it has one) after a consent or on `meters contract`, and shown by `meters list`.

A contract call that fails never fails the consent or the run: the meter keeps what it had and the failure is
returned (typed, scrubbed) for the caller to show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import psycopg

from linky_pipeline.lib.sources.consent import ConsentApi, ContractFacts
from linky_pipeline.lib.sources.errors import SourceError

log = logging.getLogger(__name__)

# The activation date only moves forward (a later reactivation, or what ADAM-ERR0123 already revealed, wins);
# the subscribed power is replaced when the summary states one and kept otherwise.
_UPDATE = """
UPDATE meters SET
    activation_date = CASE WHEN %(activation)s::date IS NULL THEN activation_date
                           ELSE GREATEST(COALESCE(activation_date, %(activation)s::date), %(activation)s::date) END,
    subscribed_kva = COALESCE(%(kva)s, subscribed_kva),
    contract_checked_at = %(now)s
WHERE id = %(pk)s
"""
_DETAILS = """
SELECT m.id, m.subscribed_kva, m.consent_status, m.consented_measures, m.consent_end, m.contract_checked_at
FROM meters m WHERE (%(b)s::text IS NULL OR m.building_code = %(b)s)
"""


@dataclass(frozen=True)
class ContractRefresh:
    """What one PRM's refresh did (error is a scrubbed one-line text, or None)."""

    meter_id: str
    activation: dict[str, date]
    subscribed_kva: float | None
    error: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeterDetails:
    """The consent and contract columns `meters list` shows beside the registry's."""

    subscribed_kva: Decimal | None
    consent_status: str | None
    consented_measures: tuple[str, ...]
    consent_end: datetime | None
    contract_checked_at: datetime | None


def refresh_contracts(
    conn: psycopg.Connection, consent: ConsentApi, meters: Iterable[tuple[int, str, str]], now: datetime
) -> list[ContractRefresh]:
    """(pk, meter id, direction) of the consent's provider's meters → one contract call per meter id, written in
    the caller's transaction; nothing for a provider without a contract API."""
    by_prm: dict[str, list[tuple[int, str]]] = {}
    for pk, prm, direction in meters:
        by_prm.setdefault(prm, []).append((pk, direction))
    out = []
    for prm, rows in sorted(by_prm.items()):
        try:
            summary = consent.read_contract(prm)
        except SourceError as exc:
            log.warning("contract summary of %s unavailable: %s", prm, exc)
            out.append(ContractRefresh(prm, {}, None, f"{type(exc).__name__}: {exc}"))
            continue
        if summary is None:  # the provider has no contract API
            continue
        for problem in summary.problems:
            log.warning("contract summary of %s: %s", prm, problem)
        for pk, direction in rows:
            conn.execute(_UPDATE, _params(pk, direction, summary, now))
        out.append(ContractRefresh(prm, dict(summary.activation), summary.subscribed_kva, None, summary.problems))
    return out


def _params(pk: int, direction: str, summary: ContractFacts, now: datetime) -> dict[str, object]:
    power = summary.subscribed_kva if direction == "consumption" else None  # subscribed power is a drawing limit
    return {"pk": pk, "activation": summary.activation_for(direction), "kva": power, "now": now}


def meter_details(conn: psycopg.Connection, building: str | None = None) -> dict[int, MeterDetails]:
    """Meter pk → its consent and contract columns."""
    rows = conn.execute(_DETAILS, {"b": building}).fetchall()
    return {
        int(pk): MeterDetails(kva, status, tuple(measures or ()), end, checked)
        for pk, kva, status, measures, end, checked in rows
    }
