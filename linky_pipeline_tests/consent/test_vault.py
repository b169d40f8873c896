"""Vault: AES-256-GCM with key ids, AAD bound to meter + name, clean errors, no key material in messages."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from linky_pipeline.lib.consent.vault import (
    Sealed,
    Vault,
    VaultConfigError,
    VaultDecryptError,
    key_id_of,
    parse_keys,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "LINKY_ENCRYPTION_KEYS is not set"),
        ("", "LINKY_ENCRYPTION_KEYS is not set"),
        ("   ", "LINKY_ENCRYPTION_KEYS is not set"),
        ("ab" * 31, "entry 1 has 62 hex characters, expected 64"),
        ("ab" * 33, "entry 1 has 66 hex characters, expected 64"),
        ("zz" * 32, "entry 1 is not hexadecimal"),
        ("ab" * 32 + ",", "entry 2 is empty"),
        ("ab" * 32 + ",xyz", "entry 2 is not hexadecimal"),
    ],
)
def test_bad_key_configuration_is_a_clear_error_without_the_key(raw: str | None, expected: str) -> None:
    with pytest.raises(VaultConfigError) as info:
        Vault.from_env({} if raw is None else {"LINKY_ENCRYPTION_KEYS": raw})
    message = str(info.value)
    assert expected in message
    assert "LINKY_ENCRYPTION_KEYS" in message
    if raw and raw.strip():
        for part in raw.split(","):
            if len(part) > 3:
                assert part not in message


def test_keys_parse_current_first_and_key_id_is_sha256_prefix(key_a: str, key_b: str) -> None:
    keys = parse_keys(f" {key_b} , {key_a.upper()} ")
    assert keys == [bytes.fromhex(key_b), bytes.fromhex(key_a)]
    vault = Vault(keys)
    assert vault.current_key_id == hashlib.sha256(bytes.fromhex(key_b)).hexdigest()[:8]
    assert vault.key_ids == (key_id_of(keys[0]), key_id_of(keys[1]))


def test_roundtrip_uses_fresh_nonce_and_hides_plaintext(vault: Vault) -> None:
    one = vault.encrypt(7, "access_token", "very-secret-token")
    two = vault.encrypt(7, "access_token", "very-secret-token")
    assert one.ciphertext[:12] != two.ciphertext[:12]
    assert one.ciphertext != two.ciphertext
    assert len(one.ciphertext) == 12 + len("very-secret-token") + 16
    assert b"very-secret-token" not in one.ciphertext
    assert vault.decrypt(7, "access_token", one) == "very-secret-token"
    assert one.key_id == vault.current_key_id


def test_repr_never_shows_keys(key_a: str) -> None:
    vault = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})
    assert key_a not in repr(vault)
    assert key_a[:16] not in repr(vault)
    assert vault.current_key_id in repr(vault)


def test_tampered_value_names_the_meter_without_crypto_stack(vault: Vault) -> None:
    sealed = vault.encrypt(12, "refresh_token", "r-token-value")
    blob = bytearray(sealed.ciphertext)
    blob[20] ^= 0x01
    with pytest.raises(VaultDecryptError) as info:
        vault.decrypt(12, "refresh_token", Sealed(sealed.key_id, bytes(blob)))
    assert "meter 12" in str(info.value)
    assert "refresh_token" in str(info.value)
    assert "r-token-value" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


@pytest.mark.parametrize(("meter_pk", "name"), [(13, "access_token"), (12, "refresh_token")])
def test_ciphertext_is_bound_to_its_meter_and_name(vault: Vault, meter_pk: int, name: str) -> None:
    sealed = vault.encrypt(12, "access_token", "bound")
    with pytest.raises(VaultDecryptError, match=f"meter {meter_pk}"):
        vault.decrypt(meter_pk, name, sealed)


def test_truncated_value_is_a_clean_error(vault: Vault) -> None:
    with pytest.raises(VaultDecryptError, match="truncated"):
        vault.decrypt(1, "access_token", Sealed(vault.current_key_id, b"\x00" * 20))


def test_older_key_still_decrypts_and_removed_key_fails_cleanly(key_a: str, key_b: str) -> None:
    old = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})
    sealed = old.encrypt(3, "access_token", "kept")
    both = Vault.from_env({"LINKY_ENCRYPTION_KEYS": f"{key_b},{key_a}"})
    assert both.decrypt(3, "access_token", sealed) == "kept"
    assert both.encrypt(3, "access_token", "x").key_id == key_id_of(bytes.fromhex(key_b))
    only_new = Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_b})
    with pytest.raises(VaultDecryptError) as info:
        only_new.decrypt(3, "access_token", sealed)
    assert sealed.key_id in str(info.value)
    assert "not in LINKY_ENCRYPTION_KEYS" in str(info.value)
    assert key_a not in str(info.value)


def test_same_plaintext_under_a_random_other_key_does_not_decrypt(vault: Vault) -> None:
    stranger = Vault([secrets.token_bytes(32)])
    sealed = stranger.encrypt(1, "access_token", "x")
    with pytest.raises(VaultDecryptError):
        vault.decrypt(1, "access_token", sealed)
