"""The one job that syncs buildings: fetch, load, aggregate, detect anomalies."""

import dagster as dg

sync_job = dg.define_asset_job(
    "linky_sync",
    selection=dg.AssetSelection.groups("ingestion", "readings", "aggregates", "anomalies"),
    description="Building × month rectangle: raw answers → readings → daily/monthly aggregates → anomalies.",
)
