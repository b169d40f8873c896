"""Credential store and key rotation on a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.commands.secrets import secrets as secrets_group
from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.vault import Vault, VaultDecryptError, key_id_of, rotate


def _stored(conn: psycopg.Connection) -> list[tuple[int, str, str, bytes]]:
    rows = conn.execute("SELECT meter_pk, name, key_id, ciphertext FROM meter_credentials ORDER BY 1, 2")
    return [(r[0], r[1], r[2], bytes(r[3])) for r in rows]


def test_store_load_delete(db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]) -> None:
    first, second = two_meters
    credentials.store(db, vault, first, "access_token", "tok-1")
    credentials.store(db, vault, first, "access_token", "tok-2")  # upsert
    credentials.store(db, vault, first, "autorisation_id", "aid-1")
    credentials.store(db, vault, second, "access_token", "tok-b")
    rows = _stored(db)
    assert [(r[0], r[1]) for r in rows] == [
        (first, "access_token"),
        (first, "autorisation_id"),
        (second, "access_token"),
    ]
    assert all(r[2] == vault.current_key_id for r in rows)
    assert all(b"tok" not in r[3] and b"aid" not in r[3] for r in rows)
    assert credentials.load(db, vault, first, "access_token") == "tok-2"
    assert credentials.load(db, vault, first, "refresh_token") is None
    assert credentials.delete_all(db, first) == 2
    assert credentials.load(db, vault, first, "access_token") is None
    assert credentials.load(db, vault, second, "access_token") == "tok-b"


def test_unknown_credential_name_is_refused(db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]) -> None:
    with pytest.raises(credentials.UnknownCredentialNameError, match="'password'"):
        credentials.store(db, vault, two_meters[0], "password", "x")


def test_ciphertext_copied_to_another_meter_fails(
    db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]
) -> None:
    first, second = two_meters
    credentials.store(db, vault, first, "access_token", "belongs-to-first")
    db.execute(
        "INSERT INTO meter_credentials (meter_pk, name, key_id, ciphertext) "
        "SELECT %s, name, key_id, ciphertext FROM meter_credentials WHERE meter_pk = %s",
        (second, first),
    )
    db.commit()
    with pytest.raises(VaultDecryptError, match=f"meter {second}"):
        credentials.load(db, vault, second, "access_token")
    assert credentials.load(db, vault, first, "access_token") == "belongs-to-first"


def test_tampered_row_is_a_clean_error(db: psycopg.Connection, vault: Vault, two_meters: tuple[int, int]) -> None:
    first, _ = two_meters
    credentials.store(db, vault, first, "refresh_token", "r")
    db.execute("UPDATE meter_credentials SET ciphertext = set_byte(ciphertext, 14, get_byte(ciphertext, 14) # 1)")
    db.commit()
    with pytest.raises(VaultDecryptError, match=f"meter {first}") as info:
        credentials.load(db, vault, first, "refresh_token")
    assert info.value.__cause__ is None


def test_rotation_moves_everything_to_the_new_key(
    db: psycopg.Connection, key_a: str, key_b: str, two_meters: tuple[int, int]
) -> None:
    first, second = two_meters
    old = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})
    credentials.store(db, old, first, "access_token", "a1")
    credentials.store(db, old, first, "autorisation_id", "a2")
    credentials.store(db, old, second, "access_token", "b1")
    before = _stored(db)
    db.commit()  # rotate() commits only when no transaction of the caller is open
    both = Vault.from_env({"LINKY_ENCRYPTION_KEYS": f"{key_b},{key_a}"})
    assert rotate(db, both) == 3
    after = _stored(db)
    new_id = key_id_of(bytes.fromhex(key_b))
    assert {r[2] for r in after} == {new_id}
    assert all(a[3] != b[3] for a, b in zip(after, before, strict=True))
    # the old key can now be removed...
    only_new = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_b})
    assert credentials.load(db, only_new, first, "access_token") == "a1"
    assert credentials.load(db, only_new, first, "autorisation_id") == "a2"
    assert credentials.load(db, only_new, second, "access_token") == "b1"
    # ...while a process still holding only the old key fails cleanly, naming the meter.
    with pytest.raises(VaultDecryptError, match=f"meter {first}.*not in LINKY_ENCRYPTION_KEYS"):
        credentials.load(db, old, first, "access_token")
    # the rotation was committed (visible from another connection)
    with psycopg.connect(db.info.dsn, password=db.info.password) as other:
        assert {r[0] for r in other.execute("SELECT key_id FROM meter_credentials")} == {new_id}


def test_rotation_is_all_or_nothing(
    db: psycopg.Connection, key_a: str, key_b: str, two_meters: tuple[int, int]
) -> None:
    first, second = two_meters
    old = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})
    credentials.store(db, old, first, "access_token", "a1")
    credentials.store(db, old, second, "access_token", "b1")
    db.execute(
        "UPDATE meter_credentials SET ciphertext = set_byte(ciphertext, 13, get_byte(ciphertext, 13) # 1) "
        "WHERE meter_pk = %s",
        (second,),
    )
    db.commit()
    before = _stored(db)
    both = Vault.from_env({"LINKY_ENCRYPTION_KEYS": f"{key_b},{key_a}"})
    with pytest.raises(VaultDecryptError, match=f"meter {second}"):
        rotate(db, both)
    assert _stored(db) == before


def test_secrets_rotate_command(
    db: psycopg.Connection,
    warehouse_env: str,
    key_a: str,
    key_b: str,
    two_meters: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})
    credentials.store(db, old, two_meters[0], "access_token", "a1")
    monkeypatch.setenv("LINKY_ENCRYPTION_KEYS", f"{key_b},{key_a}")
    result = CliRunner().invoke(secrets_group, ["rotate"])
    assert result.exit_code == 0, result.output
    new_id = key_id_of(bytes.fromhex(key_b))
    assert f"re-encrypted 1 credential(s) under key {new_id}" in result.output
    assert key_a not in result.output and key_b not in result.output
    db.rollback()
    assert [r[0] for r in db.execute("SELECT key_id FROM meter_credentials")] == [new_id]
    action, details = db.execute("SELECT action, details FROM audit_log").fetchone()
    assert action == "secrets_rotated"
    assert details["rotated"] == 1 and details["current_key_id"] == new_id
    assert key_a not in str(details) and key_b not in str(details)


def test_secrets_rotate_with_bad_key_is_one_clear_line(warehouse_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKY_ENCRYPTION_KEYS", "1234")
    result = CliRunner().invoke(secrets_group, ["rotate"])
    assert result.exit_code == 1
    assert "LINKY_ENCRYPTION_KEYS: entry 1 has 4 hex characters" in result.output
    assert "Traceback" not in result.output
