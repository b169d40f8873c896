"""The nightly sync keeps priority over backfills on every API: a preemption rule through quota claims.

A nightly run claims, per API (quota key), the calls it still has to make (`quota_claims`), and gives them back as
it makes them or when it ends. Backfill runs' limiters add the live claims of their key to their reserve: in the
hour a nightly runs they stop `claimed` calls short of the hourly quota, so the nightly finds its calls; in every
other hour they use the whole quota. (A fixed reserve would cost a backfill that share of every hour for a
nightly that needs it once a day.) A claim of a killed run expires by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import psycopg

CLAIM_TTL = timedelta(hours=2)


def claim(conn: psycopg.Connection, run_id: str, calls: Mapping[str, int], ttl: timedelta = CLAIM_TTL) -> None:
    """Claim `calls` per quota key for `run_id` (replacing its earlier claims). Caller's transaction."""
    conn.execute("DELETE FROM quota_claims WHERE run_id = %s", (run_id,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO quota_claims (key, run_id, calls_left, expires_at) "
            "VALUES (%s, %s, %s, clock_timestamp() + %s)",
            [(key, run_id, n, ttl) for key, n in sorted(calls.items()) if n > 0],
        )


def spend(conn: psycopg.Connection, run_id: str, key: str, calls: int) -> None:
    """The claiming run made `calls` calls on `key`. Caller's transaction."""
    conn.execute(
        "UPDATE quota_claims SET calls_left = greatest(calls_left - %s, 0) WHERE key = %s AND run_id = %s",
        (calls, key, run_id),
    )


def release(conn: psycopg.Connection, run_id: str) -> None:
    """The run ended: its claims are gone. Caller's transaction."""
    conn.execute("DELETE FROM quota_claims WHERE run_id = %s", (run_id,))


def claimed_calls(conn: psycopg.Connection, key: str) -> int:
    """Calls live nightly claims still need on `key` (what a backfill leaves them), on the database's clock."""
    row = conn.execute(
        "SELECT coalesce(sum(calls_left), 0) FROM quota_claims WHERE key = %s AND expires_at > clock_timestamp()",
        (key,),
    ).fetchone()
    return int(row[0]) if row else 0
