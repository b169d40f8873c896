"""Belgian CSV tests: the pipeline fixtures (sandbox, ephemeral Dagster) and a building with be_csv meters."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline_tests.support.belgian_files import EAN


@pytest.fixture
def be_building(db: psycopg.Connection) -> Callable[..., str]:
    """Register a Brussels building with be_csv meters for EAN (both directions unless told otherwise)."""

    def _add(code: str = "gent-hq", directions: tuple[str, ...] = ("consumption", "production")) -> str:
        add_building(db, code, code.title(), "Europe/Brussels")
        for direction in directions:
            add_meter(db, code, "be_csv", EAN, direction)
        db.commit()
        return code

    return _add
