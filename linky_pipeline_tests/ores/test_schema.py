"""Migration 030: the database itself accepts ORES meters by PRM or GS1-checked EAN, and nothing else."""

from __future__ import annotations

import psycopg
import pytest

from linky_pipeline.sandbox.ores import DEMO_EAN, SEED_PRM


def _insert(db: psycopg.Connection, provider: str, meter_id: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO meters (building_code, provider, meter_id, direction) VALUES ('b1', %s, %s, 'consumption')",
            (provider, meter_id),
        )


@pytest.mark.parametrize(
    ("provider", "meter_id", "accepted"),
    [
        ("ores", SEED_PRM, True),
        ("ores", DEMO_EAN, True),
        ("ores", "541448030003312345", False),  # wrong GS1 check digit
        ("ores", "300012345678901", False),
        ("enedis", SEED_PRM, True),
        ("enedis", DEMO_EAN, False),
        ("be_csv", DEMO_EAN, True),
        ("be_csv", SEED_PRM, False),
    ],
)
def test_meter_identifier_constraint(db: psycopg.Connection, provider: str, meter_id: str, accepted: bool) -> None:
    db.execute("INSERT INTO buildings (code, name) VALUES ('b1', 'B1')")
    db.commit()
    if accepted:
        _insert(db, provider, meter_id)
    else:
        with pytest.raises(psycopg.errors.CheckViolation, match="meters_id_format"):
            _insert(db, provider, meter_id)


def test_credentials_carry_an_optional_expiry(db: psycopg.Connection) -> None:
    row = db.execute(
        "SELECT data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'meter_credentials' AND column_name = 'expires_at'"
    ).fetchone()
    assert row == ("timestamp with time zone", "YES")
