"""The notifications outbox: enqueue idempotently, deliver due rows once, retry with exponential backoff.

Delivery guarantee. Each row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` and stays locked while it is
sent; the 'sent' mark is committed in that same transaction. Two concurrent deliverers therefore never send the
same row (the second skips it while locked, and re-checks `status = 'pending'` after the commit). The one
remaining edge is a crash (process killed, DB connection lost) *after* the transport accepted the message and
*before* the commit: the lock is released, the row is still 'pending', and it is sent again on the next pass.
So delivery is at-least-once, with duplicates confined to that window. Receivers can drop them: an e-mail keeps
the same Message-ID (derived from the dedupe_key) on every attempt, and a webhook the same X-Linky-Delivery-Id
and the same body; the timestamp header and signature change, the body does not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from linky_pipeline.lib.notify.base import (
    CHANNELS,
    KINDS,
    DeliveryError,
    NotifyError,
    OutboxItem,
    Sender,
    safe_error,
)
from linky_pipeline.lib.store.db import one_row
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)

log = logging.getLogger(__name__)


class OutboxError(NotifyError):
    """Bad arguments to the outbox (names the field and value)."""


@dataclass
class DeliveryReport:
    """What one deliver_due pass did; `errors` holds safe texts (id: error)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def _aware(now: datetime, name: str = "now") -> datetime:
    if now.tzinfo is None:
        raise OutboxError(f"{name} must be timezone-aware, got naive {now.isoformat()}")
    return now


def backoff_seconds(attempts: int, base_backoff_s: float = 30, max_backoff_s: float = 6 * 3600) -> float:
    """Delay after the `attempts`-th failure: base, 2×base, 4×base … capped (30 s, 1 min, 2 min, …)."""
    return float(min(max_backoff_s, base_backoff_s * (2 ** max(0, attempts - 1))))


def enqueue(
    conn: psycopg.Connection,
    kind: str,
    dedupe_key: str,
    building_code: str | None,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    *,
    anomaly_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Add one outbox row unless its dedupe_key exists; True when created. Does not commit (caller's transaction).

    Pick dedupe keys that name the event, e.g. f"consent_expiry:{meter_pk}:{consent_end.date()}" or
    f"run_failure:{run_id}:{channel}:{recipient}", so that a re-run sensor tick creates nothing new.
    """
    if kind not in KINDS:
        raise OutboxError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if channel not in CHANNELS:
        raise OutboxError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    if not dedupe_key.strip():
        raise OutboxError(f"dedupe_key must not be empty, got {dedupe_key!r}")
    if not recipient.strip():
        raise OutboxError(f"recipient must not be empty, got {recipient!r}")
    params = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "building_code": building_code,
        "anomaly_id": anomaly_id,
        "channel": channel,
        "recipient": recipient,
        "payload": Jsonb(payload),
        "now": _aware(now) if now is not None else None,
    }
    return conn.execute(SQL["enqueue"], params).fetchone() is not None


def _claim(conn: psycopg.Connection, now: datetime, channels: list[str], seen: list[int]) -> OutboxItem | None:
    row = conn.execute(SQL["claim_due"], {"now": now, "channels": channels, "seen": seen}).fetchone()
    if row is None:
        return None
    item_id, dedupe_key, kind, channel, recipient, payload, attempts, building_code, anomaly_id = row
    return OutboxItem(
        id=item_id,
        dedupe_key=dedupe_key,
        kind=kind,
        channel=channel,
        recipient=recipient,
        payload=payload,
        attempts=attempts,
        building_code=building_code,
        anomaly_id=anomaly_id,
    )


def _deliver_one(
    conn: psycopg.Connection,
    senders: dict[str, Sender],
    now: datetime,
    seen: list[int],
    report: DeliveryReport,
    max_attempts: int,
    base_backoff_s: float,
) -> bool:
    """Claim, send and record one row inside one transaction; False when nothing is due."""
    with conn.transaction():
        item = _claim(conn, now, sorted(senders), seen)
        if item is None:
            return False
        seen.append(item.id)
        report.claimed += 1
        try:
            senders[item.channel].deliver(item)
        except Exception as exc:  # any failure must be recorded on the row, never abort the pass
            text = str(exc) if isinstance(exc, (DeliveryError, NotifyError)) else type(exc).__name__
            error = safe_error(text, (item.recipient,) if item.channel == "webhook" else ())
            delay = backoff_seconds(item.attempts + 1, base_backoff_s)
            status, attempts = one_row(
                conn.execute(
                    SQL["mark_failed"],
                    {
                        "id": item.id,
                        "error": error,
                        "max_attempts": max_attempts,
                        "next_attempt_at": now + timedelta(seconds=delay),
                    },
                ),
                "mark_failed",
            )
            report.errors.append(f"{item.id}: {error}")
            if status == "dead":
                report.dead += 1
            else:
                report.retried += 1
            log.warning(
                "notification %s (%s) failed, attempt %s, now %s: %s", item.id, item.channel, attempts, status, error
            )
        else:
            conn.execute(SQL["mark_sent"], {"id": item.id, "now": now})
            report.sent += 1
    return True


def deliver_due(
    conninfo_or_conn: str | psycopg.Connection,
    senders: dict[str, Sender],
    now: datetime,
    max_attempts: int = 6,
    base_backoff_s: float = 30,
    *,
    limit: int = 1000,
) -> DeliveryReport:
    """Send every due 'pending' row of the channels in `senders` (others are left for another deliverer).

    One transaction per row (see the module docstring for the guarantee). A passed connection has any pending
    work committed first, so rows just enqueued on it are durable before anything is sent.
    """
    _aware(now)
    if max_attempts < 1:
        raise OutboxError(f"max_attempts must be >= 1, got {max_attempts!r}")
    unknown = sorted(set(senders) - set(CHANNELS))
    if unknown:
        raise OutboxError(f"senders has unknown channel(s) {unknown}, expected {', '.join(CHANNELS)}")
    report = DeliveryReport()
    if not senders:
        return report
    own = isinstance(conninfo_or_conn, str)
    conn = psycopg.connect(conninfo_or_conn) if isinstance(conninfo_or_conn, str) else conninfo_or_conn
    try:
        if not conn.autocommit:
            conn.commit()
        seen: list[int] = []
        while report.claimed < limit and _deliver_one(conn, senders, now, seen, report, max_attempts, base_backoff_s):
            pass
    finally:
        if own:
            conn.close()
    return report


def pending_count(conn: psycopg.Connection) -> int:
    """Notifications still waiting to be sent."""
    row = conn.execute("SELECT count(*) FROM notifications WHERE status = 'pending'").fetchone()
    return int(row[0]) if row else 0
