"""The code location loads as `dg check defs` would, with the shape the UI and schedules rely on."""

from __future__ import annotations

import warnings

import dagster as dg
import pytest

from linky_pipeline.definitions import defs


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        loaded = defs()
        loaded.get_repository_def().load_all_definitions()
    return loaded


def test_every_table_is_one_asset(definitions: dg.Definitions) -> None:
    keys = {k.to_user_string() for k in definitions.resolve_all_asset_keys()}
    assert {"raw_load_curves", "readings", "daily_consumption", "monthly_consumption", "daily_max_power"} <= keys


def test_assets_are_building_month_partitioned_and_range_aware(definitions: dg.Definitions) -> None:
    for key in ("raw_load_curves", "readings", "daily_consumption", "monthly_consumption", "daily_max_power"):
        spec = definitions.resolve_assets_def(key)
        partitions = spec.partitions_def
        assert isinstance(partitions, dg.MultiPartitionsDefinition)
        assert {d.name for d in partitions.partitions_defs} == {"building", "month"}
        assert spec.backfill_policy is not None
        assert spec.backfill_policy.max_partitions_per_run is None  # one run per range


def test_schedules_are_brussels_time(definitions: dg.Definitions) -> None:
    nightly = definitions.resolve_schedule_def("nightly_sync")
    assert (nightly.cron_schedule, nightly.execution_timezone) == ("0 2 * * *", "Europe/Brussels")
    assert nightly.default_status == dg.DefaultScheduleStatus.RUNNING
    catch_up = definitions.resolve_schedule_def("late_data_catch_up")
    assert catch_up.default_status == dg.DefaultScheduleStatus.STOPPED


def test_only_the_api_asset_uses_the_api_pool(definitions: dg.Definitions) -> None:
    assert definitions.resolve_assets_def("raw_load_curves").op.pool == "enedis_api"
    assert definitions.resolve_assets_def("readings").op.pool is None


TABLE_ASSETS = (
    "raw_load_curves",
    "readings",
    "daily_consumption",
    "monthly_consumption",
    "daily_max_power",
    "daily_cost",
    "monthly_cost",
    "usage_alerts",
)


def test_table_assets_carry_their_catalog_entry(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    for key in (*TABLE_ASSETS, "consumption_anomalies"):
        node = graph.get(dg.AssetKey(key))
        assert node.metadata["dagster/table_name"] == f"public.{key}"
        schema = node.metadata["dagster/column_schema"]
        schema = getattr(schema, "schema", schema)
        assert schema.columns and all(c.type and c.description for c in schema.columns), key
        assert node.owners == ["team:linky-data"] and node.code_version and node.tags["layer"]
        assert node.freshness_policy is not None and node.description


def test_the_report_asset_has_owners_tags_and_a_code_version(definitions: dg.Definitions) -> None:
    node = definitions.resolve_asset_graph().get(dg.AssetKey("monthly_report"))
    assert node.owners == ["team:linky-data"] and node.tags["layer"] == "reports"
    assert node.code_version and node.description


def test_column_descriptions_are_the_bi_views_comments() -> None:
    from linky_pipeline.lib.store.schema_docs import table_schema

    daily = {c.name: c for c in table_schema("daily_consumption") or []}
    assert daily["completeness"].description == "Share of expected data received, from 0 to 1."  # bi.daily_consumption
    assert daily["completeness"].type == "double precision"


def test_columns_match_the_migrated_tables(db) -> None:
    from linky_pipeline.lib.store.schema_docs import table_schema

    for table in (*TABLE_ASSETS, "consumption_anomalies"):
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        assert [c.name for c in table_schema(table) or []] == [r[0] for r in rows], table


def test_every_check_and_job_says_what_it_is_for(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    checks = list(graph.asset_check_keys)
    assert len(checks) >= 7
    for key in checks:
        assert graph.get(key).description, key
    assert definitions.resolve_job_def("deliver_notifications").description


def test_lineage_reaches_from_the_meter_api_to_grafana(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    assert dg.AssetKey("enedis_metering_api") in graph.get(dg.AssetKey("raw_load_curves")).parent_keys
    assert dg.AssetKey("daily_consumption") in graph.get(dg.AssetKey("bi_views")).parent_keys
    assert dg.AssetKey("bi_views") in graph.get(dg.AssetKey("grafana_dashboard")).parent_keys


def test_grafana_links_point_at_existing_panels() -> None:
    import json
    from pathlib import Path

    from linky_pipeline.defs import names

    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "deploy/grafana/dashboards/linky.json").read_text(encoding="utf-8")
    )
    assert dashboard["uid"] == names.GRAFANA_DASHBOARD_UID
    titles = {p["id"]: p["title"].lower() for p in dashboard["panels"]}
    for panel, word in (
        (names.PANEL_DAILY, "daily consumption"),
        (names.PANEL_MONTHLY, "monthly"),
        (names.PANEL_COMPLETENESS, "completeness"),
        (names.PANEL_ANOMALIES, "anomalies"),
        (names.PANEL_MAX_POWER, "power"),
    ):
        assert word in titles[panel], (panel, titles[panel])
