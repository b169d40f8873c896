"""Every query of the Grafana dashboard runs, as the BI role, on the real bi views and returns rows."""

from __future__ import annotations

import pytest

from linky_pipeline_tests.support.bi_data import BiData
from linky_pipeline_tests.support.deploy import BiLogin
from linky_pipeline_tests.support.grafana import (
    BUILDINGS,
    DASHBOARD,
    DATASOURCES,
    PANELS,
    PROVIDERS,
    QUERIES,
    grafana_to_sql,
)


def test_dashboard_covers_what_was_asked() -> None:
    titles = " | ".join(p["title"].lower() for p in PANELS)
    for topic in (
        "daily consumption",
        "monthly consumption",
        "completeness",
        "anomalies by severity",
        "maximum power",
        "year over year",
    ):
        assert topic in titles
    assert len(QUERIES) == len(PANELS) >= 6
    assert len({p["id"] for p in PANELS}) == len(PANELS)
    assert all("$building" in sql for _, sql, _ in QUERIES)


def test_panels_use_the_provisioned_datasource() -> None:
    (source,) = DATASOURCES["datasources"]
    assert source["type"] == "grafana-postgresql-datasource"
    assert source["user"] == "${LINKY_BI_USER}"  # the read-only role, never the owner
    assert source["secureJsonData"]["password"] == "${LINKY_BI_PASSWORD}"
    assert source["url"] == "warehouse:5432"
    uids = {p["datasource"]["uid"] for p in PANELS} | {t["datasource"]["uid"] for p in PANELS for t in p["targets"]}
    uids |= {v["datasource"]["uid"] for v in DASHBOARD["templating"]["list"]}
    assert uids == {source["uid"]}
    (provider,) = PROVIDERS["providers"]
    assert provider["options"]["path"] == "/etc/linky/dashboards"


def test_macro_substitution_is_strict() -> None:
    assert grafana_to_sql("WHERE $__timeFilter(d.day_start) AND b IN ($building)") == (
        f"WHERE d.day_start BETWEEN now() - interval '5 years' AND now() AND b IN ({BUILDINGS})"
    )
    with pytest.raises(AssertionError, match="unsubstituted"):
        grafana_to_sql("SELECT $__timeGroup(ts, '1d')")


@pytest.mark.parametrize(("title", "raw_sql", "fmt"), QUERIES, ids=[t for t, _, _ in QUERIES])
def test_panel_query_returns_rows_as_bi_role(
    bi_login: BiLogin, bi_data: BiData, title: str, raw_sql: str, fmt: str
) -> None:
    with bi_login.connect() as conn:
        cur = conn.execute(grafana_to_sql(raw_sql).encode())
        rows = cur.fetchall()
        columns = [c.name for c in cur.description or []]
    assert len(rows) >= 1, title
    assert fmt in {"time_series", "table"}
    if fmt == "time_series":
        assert "time" in columns, "a time series needs a column named time"
        position = columns.index("time")
        assert all(r[position] is not None for r in rows)
        values = [c for c in columns if c not in {"time", "metric"}]
        assert values and all(any(r[columns.index(c)] is not None for r in rows) for c in values)


def test_building_variable_query_lists_buildings(bi_login: BiLogin, bi_data: BiData) -> None:
    (variable,) = DASHBOARD["templating"]["list"]
    assert variable["name"] == "building" and variable["multi"] and variable["includeAll"]
    with bi_login.connect() as conn:
        rows = conn.execute(grafana_to_sql(variable["query"]).encode()).fetchall()
    assert sorted(rows) == [("depot-bxl", "Dépôt Bruxelles"), ("hq", "Siège Paris")]
