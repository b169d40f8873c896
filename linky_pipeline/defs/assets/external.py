"""External assets: what the pipeline reads from (meter APIs, exported files) and what reads it (the `bi` views
and the Grafana dashboard), so the lineage shows the whole path from a meter to a panel."""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.lib.sources.catalog import FETCHED_PROVIDERS

TABLES_SERVED = ["daily_consumption", "monthly_consumption", "daily_max_power", "consumption_anomalies"]

METER_APIS = [f"{provider}_metering_api" for provider in FETCHED_PROVIDERS]  # one per provider of the catalog
meter_apis = [
    dg.AssetSpec(
        key,
        group_name=names.SOURCES,
        kinds={"api"},
        owners=names.OWNERS,
        description=f"The {provider} metering API: load curves and daily figures per meter, fetched under the "
        "quota shared by every process.",
    )
    for provider, key in zip(FETCHED_PROVIDERS, METER_APIS, strict=True)
]
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
    return dg.Definitions(assets=[*meter_apis, csv_exports, bi_views, grafana_dashboard])
