"""Notifications about a meter (consent expiring or lost) go to the building's alert-rule recipients."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from linky_pipeline.lib.notify.outbox import enqueue

_RECIPIENTS = """
SELECT DISTINCT unnest(channels) AS channel, unnest(recipients) AS recipient FROM alert_rules
WHERE building_code = %(b)s
   OR (building_code IS NULL AND NOT EXISTS (SELECT 1 FROM alert_rules WHERE building_code = %(b)s))
"""
_METER = """
SELECT m.building_code, b.name, b.timezone, m.meter_id, m.direction, m.consent_end
FROM meters m JOIN buildings b ON b.code = m.building_code WHERE m.id = %s
"""


def enqueue_meter_event(
    conn: psycopg.Connection, kind: str, meter_pk: int, event_key: str, extra: dict[str, object] | None = None
) -> int:
    """One outbox row per channel × recipient; `event_key` names the event so repeats add nothing."""
    row = conn.execute(_METER, (meter_pk,)).fetchone()
    if row is None:
        return 0
    building_code, name, timezone, meter_id, direction, consent_end = row
    payload = {
        "building_code": building_code,
        "building_name": name,
        "timezone": timezone,
        "meter_id": meter_id,
        "direction": direction,
        "consent_end": consent_end.isoformat() if consent_end else None,
        **(extra or {}),
    }
    created = 0
    for channel, recipient in conn.execute(_RECIPIENTS, {"b": building_code}).fetchall():
        created += enqueue(
            conn,
            kind,
            f"{kind}:{meter_pk}:{event_key}:{channel}:{recipient}",
            building_code,
            channel,
            recipient,
            payload,
        )
    return created


def enqueue_consent_expiries(conn: psycopg.Connection, now: datetime, notice_days: int = 30) -> int:
    """Active meters whose consent ends within `notice_days`: one notice per meter and consent end date."""
    rows = conn.execute(
        "SELECT id, consent_end FROM meters WHERE status = 'active' AND consent_end > %s AND consent_end <= %s",
        (now, now + timedelta(days=notice_days)),
    ).fetchall()
    return sum(enqueue_meter_event(conn, "consent_expiry", pk, end.date().isoformat()) for pk, end in rows)
