"""Consent revocation: by the user (`meters disconnect`) or by the provider (a 403 on a data call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from linky_pipeline.lib.consent.errors import MeterNotFoundError
from linky_pipeline.lib.notify.meter_events import enqueue_meter_event
from linky_pipeline.lib.store import audit


@dataclass(frozen=True, slots=True)
class RevokedMeter:
    """A meter whose consent is gone; enough to notify the building's recipients."""

    pk: int
    building_code: str
    provider: str
    meter_id: str
    direction: str
    credentials_deleted: int
    already_revoked: bool
    consent_start: datetime | None

    @property
    def dedupe_key(self) -> str:
        """Outbox key: one notification per lost consent (a later re-consent gets a new key)."""
        since = self.consent_start.astimezone(UTC).isoformat() if self.consent_start else "none"
        return f"consent_lost:{self.pk}:{since}"


def _revoke(
    conn: psycopg.Connection, where: str, params: tuple[object, ...], action: str, actor: str, reason: dict[str, object]
) -> list[RevokedMeter]:
    rows = conn.execute(
        "SELECT id, building_code, provider, meter_id, direction, status, consent_start FROM meters "
        f"WHERE {where} ORDER BY direction FOR UPDATE",
        params,
    ).fetchall()
    out: list[RevokedMeter] = []
    for pk, building, provider, meter_id, direction, status, consent_start in rows:
        deleted = conn.execute("DELETE FROM meter_credentials WHERE meter_pk = %s", (pk,)).rowcount
        conn.execute("UPDATE meters SET status = 'consent_revoked' WHERE id = %s", (pk,))
        already = status == "consent_revoked"
        audit.write(
            conn,
            action,
            actor,
            building_code=building,
            meter_ref=meter_id,
            details={
                "meter_pk": pk,
                "provider": provider,
                "direction": direction,
                "previous_status": status,
                "credentials_deleted": deleted,
                **reason,
            },
        )
        out.append(RevokedMeter(pk, building, provider, meter_id, direction, deleted, already, consent_start))
    return out


def disconnect_meter(conn: psycopg.Connection, building_code: str, meter_id: str, actor: str) -> list[RevokedMeter]:
    """Delete the meter's credentials and mark every direction of it consent_revoked, in one transaction."""
    with conn.transaction():
        revoked = _revoke(
            conn,
            "building_code = %s AND meter_id = %s",
            (building_code, meter_id),
            "consent_revoked",
            actor,
            {"reason": "disconnected by user"},
        )
        if not revoked:
            raise MeterNotFoundError(f"no meter {meter_id!r} in building {building_code!r}")
    return revoked


def mark_consent_lost(conn: psycopg.Connection, meter_pk: int, code: str, actor: str) -> RevokedMeter:
    """A 403 (e.g. ADAM-DC-0008) from the API: same as a disconnect, audited with the provider's error code.

    The caller notifies (outbox) unless `already_revoked`, using `dedupe_key`.
    """
    with conn.transaction():
        revoked = _revoke(
            conn,
            "id = %s",
            (meter_pk,),
            "consent_lost",
            actor,
            {"reason": "provider refused access", "error_code": code},
        )
        if not revoked:
            raise MeterNotFoundError(f"no meter with id {meter_pk}")
    return revoked[0]


def handle_consent_lost(
    conn: psycopg.Connection, meter_pk: int, code: str, actor: str, *, notify: bool = True
) -> RevokedMeter:
    """The provider refused access (403, a refused refresh token): credentials deleted, meter marked, audited and
    notified once (`notify=False` for the other directions of a meter already notified)."""
    revoked = mark_consent_lost(conn, meter_pk, code, actor)
    if notify and not revoked.already_revoked:
        enqueue_meter_event(conn, "consent_lost", meter_pk, revoked.dedupe_key, {"reason": code})
    return revoked
