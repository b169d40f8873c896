"""Fixtures for the consent/vault tests: keys, a vault, a building with meters (real PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.sources.enedis.consent import EnedisConsent
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.registry_rows import STATE_SECRET, add_building, add_meter


@pytest.fixture
def key_a() -> str:
    return secrets.token_hex(32)


@pytest.fixture
def key_b() -> str:
    return secrets.token_hex(32)


@pytest.fixture
def vault(key_a: str) -> Vault:
    return Vault.from_env({"LINKY_ENCRYPTION_KEYS": key_a})


@pytest.fixture
def signer() -> StateSigner:
    return StateSigner(STATE_SECRET)


@pytest.fixture
def two_meters(db: psycopg.Connection) -> tuple[int, int]:
    """Building 'alpha' with two meters, committed."""
    add_building(db, "alpha")
    first = add_meter(db, "alpha", "22516914714270")
    second = add_meter(db, "alpha", "11453290002823")
    db.commit()
    return first, second


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The Enedis sandbox on 127.0.0.1 (default settings: real today, 5 calls/s quota)."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def config(sandbox: SandboxServer) -> EnedisConsentConfig:
    return EnedisConsentConfig("sandbox-client", "sandbox-secret", sandbox.url, sandbox.url)


@pytest.fixture
def consent(config: EnedisConsentConfig) -> Iterator[EnedisConsent]:
    """Enedis's consent side against the sandbox (closed after the test)."""
    with EnedisConsent(config) as api:
        yield api
