"""Fixtures: a real sandbox HTTP server on 127.0.0.1 with a fixed clock, and a bearer token for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from linky_pipeline.sandbox import SandboxServer, SandboxSettings
from linky_pipeline_tests.support.sandbox_client import TODAY, new_token


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """Shared server for read-only tests; generous quota so the suite's pace never trips Q3."""
    with SandboxServer(settings=SandboxSettings(today=TODAY, quota_per_second=100_000)) as srv:
        yield srv


@pytest.fixture
def fresh_server() -> Iterator[SandboxServer]:
    """A private server for tests that change settings, quotas or fault state."""
    with SandboxServer(settings=SandboxSettings(today=TODAY)) as srv:
        yield srv


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    """An httpx client already carrying a valid bearer token."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.headers["Authorization"] = f"Bearer {new_token(client)}"
        yield client
