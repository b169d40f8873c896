"""consumption_anomalies: the seed's 7-day moving-average rule, per day and per interval."""

from collections import Counter

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.markdown import anomalies_table
from linky_pipeline.defs.assets.work import Materialized, rebuild_each, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables import anomalies, summaries


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    deps=["daily_consumption", "readings"],
    group_name=names.ANOMALIES,
    kinds={"postgres", "pandas"},
    **table_asset("consumption_anomalies", "warehouse", anomalies),
)
def consumption_anomalies(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, dashboards: DashboardResource
) -> Materialized:
    """Days and intervals of consumption above 120 % of their 7-day moving average (Minor < 150 % ≤ Major ≤ 200 %
    < Critical), with stable ids so re-runs never duplicate a row or a notification."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, anomalies.rebuild_anomalies, "consumption_anomalies")
    with warehouse.connect() as conn:
        found = summaries.anomalies_by_month(conn, partitions)
    for bm in partitions:
        rows = found.get((bm.building, bm.month), [])
        record(
            context,
            bm,
            {
                **written[bm],
                "anomalies": len(rows),
                "by_severity": dg.MetadataValue.json(dict(sorted(Counter(a.severity for a in rows).items()))),
                "top_anomalies": dg.MetadataValue.md(anomalies_table(rows)),
                "grafana": dg.MetadataValue.url(dashboards.panel_url(names.PANEL_ANOMALIES, bm)),
            },
        )
    return dg.MaterializeResult()
