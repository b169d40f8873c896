"""External assets: what the pipeline reads from (meter APIs, exported files) and what reads it (the `bi` views
and the Grafana dashboard), so the lineage shows the whole path from a meter to a panel."""

import dagster as dg

from linky_pipeline.defs import names

TABLES_SERVED = ["daily_consumption", "monthly_consumption", "daily_max_power", "consumption_anomalies"]

meter_api = dg.AssetSpec(
    names.METER_APIS,
    group_name=names.SOURCES,
    kinds={"api"},
    owners=names.OWNERS,
    description="Enedis metering API (Data Connect v5, or the 2026 API): load curves, daily energy and maximum "
    "power per PRM, under the quota shared by every process (5 calls/s, 10 000 calls/h).",
)
csv_exports = dg.AssetSpec(
    names.CSV_EXPORTS,
    group_name=names.SOURCES,
    kinds={"csv"},
    owners=names.OWNERS,
    description="Belgian quarter-hour CSV exports (Fluvius format), landed by `linky-pipeline meters import-csv`.",
)
bi_views = dg.AssetSpec(
    names.BI_VIEWS,
    group_name=names.SERVING,
    deps=TABLES_SERVED,
    kinds={"postgres"},
    owners=names.OWNERS,
    description="The `bi` schema: documented read-only views for BI tools (Grafana, Power BI, Metabase) over the "
    "aggregate and anomaly tables; always current, nothing to materialize.",
    metadata={"dagster/table_name": "bi.*"},
)
grafana_dashboard = dg.AssetSpec(
    names.GRAFANA,
    group_name=names.SERVING,
    deps=[names.BI_VIEWS],
    kinds={"grafana"},
    owners=names.OWNERS,
    description="Grafana dashboard 'Linky — energy per building' (deploy/grafana), reading the bi views.",
)


@dg.definitions
def external_assets() -> dg.Definitions:
    return dg.Definitions(assets=[meter_api, csv_exports, bi_views, grafana_dashboard])
