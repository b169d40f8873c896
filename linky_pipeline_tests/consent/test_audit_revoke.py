"""Audit log (no secrets), user disconnect and provider-side consent loss."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.errors import MeterNotFoundError
from linky_pipeline.lib.consent.revoke import disconnect_meter, mark_consent_lost
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.store import audit
from linky_pipeline_tests.support.registry_rows import add_meter


@pytest.mark.parametrize(
    "details",
    [
        {"access_token": "x"},
        {"clientSecret": "x"},
        {"api-key": "x"},
        {"password": "x"},
        {"code": "x"},
        {"nested": {"refresh_token": "x"}},
        {"items": [{"ok": 1}, {"Authorization": "Bearer x"}]},
        {"autorisation_id": "x"},
        {"encryption_keys": ["x"]},
    ],
)
def test_secret_looking_details_are_refused(details: dict[str, Any]) -> None:
    with pytest.raises(audit.SecretInAuditError, match="looks like a secret") as info:
        audit.check_details(details)
    assert "'x'" not in str(info.value) and "Bearer" not in str(info.value)


@pytest.mark.parametrize(
    "details",
    [
        {"error_code": "ADAM-DC-0008", "key_id": "abcd1234", "direction": "consumption"},
        {"deleted": {"public.meter_credentials": 2, "public.readings": 10}},
        {"building_code": "alpha", "meter_pk": 3},
    ],
)
def test_ordinary_details_are_accepted(details: dict[str, Any]) -> None:
    audit.check_details(details)


def test_write_and_refuse(db: psycopg.Connection) -> None:
    row_id = audit.write(
        db,
        "meter_connected",
        "cli:test",
        building_code="alpha",
        meter_ref="22516914714270",
        details={"direction": "consumption"},
    )
    row = db.execute(
        "SELECT action, actor, building_code, meter_ref, details, at FROM audit_log WHERE id = %s", (row_id,)
    ).fetchone()
    assert row[:5] == ("meter_connected", "cli:test", "alpha", "22516914714270", {"direction": "consumption"})
    assert row[5].tzinfo is not None
    with pytest.raises(audit.SecretInAuditError):
        audit.write(db, "x", "cli:test", details={"token": "t"})
    with pytest.raises(audit.InvalidAuditEntryError, match="actor"):
        audit.write(db, "x", " ")
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    assert audit.cli_actor("meters connect").startswith("cli:meters connect (")


def test_disconnect_deletes_credentials_and_marks_every_direction(
    db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]
) -> None:
    first, second = two_meters
    production = add_meter(db, "alpha", "22516914714270", "production")
    db.commit()
    for pk in (first, production, second):
        credentials.store(db, vault, pk, "access_token", f"tok-{pk}")
    revoked = disconnect_meter(db, "alpha", "22516914714270", "cli:test")
    assert sorted((m.pk, m.direction, m.credentials_deleted) for m in revoked) == [
        (first, "consumption", 1),
        (production, "production", 1),
    ]
    statuses = dict(db.execute("SELECT id, status FROM meters").fetchall())
    assert statuses == {first: "consent_revoked", production: "consent_revoked", second: "active"}
    assert [r[0] for r in db.execute("SELECT meter_pk FROM meter_credentials")] == [second]
    rows = db.execute("SELECT action, building_code, meter_ref, details FROM audit_log ORDER BY id").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("consent_revoked", "alpha", "22516914714270")] * 2
    assert all("tok-" not in str(r[3]) for r in rows)
    with pytest.raises(MeterNotFoundError, match="no meter '22516914714270' in building 'beta'"):
        disconnect_meter(db, "beta", "22516914714270", "cli:test")


def test_mark_consent_lost_returns_what_to_notify(
    db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]
) -> None:
    first, _ = two_meters
    db.execute("UPDATE meters SET consent_start = '2026-01-01T00:00Z', consent_end = '2029-01-01T00:00Z'")
    db.commit()
    credentials.store(db, vault, first, "autorisation_id", "aid")
    lost = mark_consent_lost(db, first, "ADAM-DC-0008", "run:abc123")
    assert (lost.building_code, lost.meter_id, lost.direction, lost.already_revoked) == (
        "alpha",
        "22516914714270",
        "consumption",
        False,
    )
    assert lost.credentials_deleted == 1
    assert lost.dedupe_key == f"consent_lost:{first}:2026-01-01T00:00:00+00:00"
    again = mark_consent_lost(db, first, "ADAM-DC-0008", "run:abc124")
    assert again.already_revoked and again.dedupe_key == lost.dedupe_key
    row = db.execute("SELECT action, actor, details FROM audit_log ORDER BY id LIMIT 1").fetchone()
    assert row[0] == "consent_lost" and row[1] == "run:abc123"
    assert row[2]["error_code"] == "ADAM-DC-0008" and row[2]["previous_status"] == "active"
    with pytest.raises(MeterNotFoundError):
        mark_consent_lost(db, 999999, "ADAM-DC-0008", "run:x")
