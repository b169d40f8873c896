"""Turning consent grants into meters of a building (idempotent: a re-consent updates, never duplicates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.errors import MeterConflictError
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import get_building
from linky_pipeline.lib.sources.consent import Grant
from linky_pipeline.lib.store import audit


@dataclass(frozen=True, slots=True)
class ConnectedMeter:
    """A meter row after the consent was stored."""

    pk: int
    building_code: str
    provider: str
    meter_id: str
    direction: str
    consent_start: datetime
    consent_end: datetime | None  # None: until the customer revokes it
    created: bool


def store_grants(
    conn: psycopg.Connection,
    building_code: str,
    provider: str,
    grants: Sequence[Grant],
    *,
    api: str,
    actor: str,
    vault: Vault | None = None,
    secrets: Mapping[str, str] | None = None,
    expires_at: Mapping[str, datetime] | None = None,
) -> list[ConnectedMeter]:
    """Upsert every granted meter, seal the consent's secrets for each of them (AAD = that meter), audit each
    one: all in one transaction."""
    if secrets and vault is None:
        raise ValueError("a vault is required to store a consent's secrets")
    out: list[ConnectedMeter] = []
    with conn.transaction():
        get_building(conn, building_code)
        for grant in grants:
            row = conn.execute(
                "SELECT id, building_code FROM meters WHERE provider = %s AND meter_id = %s AND direction = %s "
                "FOR UPDATE",
                (provider, grant.meter_id, grant.direction),
            ).fetchone()
            if row is not None and row[1] != building_code:
                raise MeterConflictError(
                    f"meter {provider}/{grant.meter_id}/{grant.direction} already belongs to building "
                    f"{row[1]!r}, not {building_code!r}; disconnect it there first"
                )
            measures = list(grant.measures) or None  # what the consent covers (2026: CDC, PMAX, ENERGIE…)
            if row is None:
                inserted = conn.execute(
                    "INSERT INTO meters (building_code, provider, meter_id, direction, status, consent_start, "
                    "consent_end, consented_measures, consent_status) "
                    "VALUES (%s, %s, %s, %s, 'active', %s, %s, %s, %s) RETURNING id",
                    (
                        building_code,
                        provider,
                        grant.meter_id,
                        grant.direction,
                        grant.consent_start,
                        grant.consent_end,
                        measures,
                        grant.service_state,
                    ),
                ).fetchone()
                assert inserted is not None
                pk, created = int(inserted[0]), True
            else:
                conn.execute(
                    "UPDATE meters SET consent_start = %s, consent_end = %s, status = 'active', "
                    "consented_measures = %s, consent_status = %s WHERE id = %s",
                    (grant.consent_start, grant.consent_end, measures, grant.service_state, row[0]),
                )
                pk, created = int(row[0]), False
            if secrets and vault is not None:
                for name, value in sorted(secrets.items()):
                    credentials.store(conn, vault, pk, name, value, expires_at=(expires_at or {}).get(name))
            audit.write(
                conn,
                "meter_connected",
                actor,
                building_code=building_code,
                meter_ref=grant.meter_id,
                details={
                    "meter_pk": pk,
                    "provider": provider,
                    "direction": grant.direction,
                    "api": api,
                    "created": created,
                    "consent_start": grant.consent_start.isoformat(),
                    "consent_end": grant.consent_end.isoformat() if grant.consent_end else None,
                    "service_state": grant.service_state,
                    "measures": list(grant.measures),
                },
            )
            out.append(
                ConnectedMeter(
                    pk,
                    building_code,
                    provider,
                    grant.meter_id,
                    grant.direction,
                    grant.consent_start,
                    grant.consent_end,
                    created,
                )
            )
    return out
