"""Every Grafana panel returns rows on data the pipeline itself produced (sandbox → Dagster → warehouse)."""

from __future__ import annotations

from datetime import date

import pytest

from linky_pipeline.lib.tables.tariff_store import add_tariff
from linky_pipeline_tests.support.deploy import BiLogin
from linky_pipeline_tests.support.grafana import QUERIES, grafana_to_sql
from linky_pipeline_tests.support.hand_costs import hphc_tariff
from linky_pipeline_tests.support.pipeline import COST_ASSETS


@pytest.fixture
def pipeline_data(db, building, run_pipeline) -> None:
    building("hq", ("22516914714270", "consumption"))
    building("depot-bxl", ("12655648759651", "consumption"), ("12655648759651", "production"))
    add_tariff(db, hphc_tariff("hq", valid_from=date(2025, 1, 1)))
    db.commit()
    assert run_pipeline(["hq", "depot-bxl"], date(2025, 5, 1), date(2026, 8, 1), assets=COST_ASSETS).success


def test_every_panel_returns_rows_on_pipeline_data(bi_login: BiLogin, pipeline_data: None) -> None:
    empty = []
    with bi_login.connect() as conn:
        for title, raw_sql, _ in QUERIES:
            if not conn.execute(grafana_to_sql(raw_sql).encode()).fetchall():
                empty.append(title)
    assert not empty, f"panels without rows: {empty}"
