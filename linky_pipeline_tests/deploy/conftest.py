"""Fixtures for the deployment checks: seeded bi data and a real BI login on the test PostgreSQL."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from linky_pipeline.lib.store.bi import create_bi_role, drop_bi_role
from linky_pipeline_tests.support.bi_data import BiData, seed
from linky_pipeline_tests.support.deploy import BiLogin


@pytest.fixture(scope="session")
def bi_login(pg_url: str) -> Iterator[BiLogin]:
    """A BI role unique to this session (roles are cluster-wide), dropped at the end."""
    login = BiLogin(f"linky_bi_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(18), pg_url)
    with psycopg.connect(pg_url) as conn:
        create_bi_role(conn, password=login.password, role_name=login.role_name)
    yield login
    with psycopg.connect(pg_url) as conn:
        drop_bi_role(conn, login.role_name)


@pytest.fixture
def bi_data(db: psycopg.Connection) -> BiData:
    return seed(db)
