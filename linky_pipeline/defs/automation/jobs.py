"""The one job that syncs buildings: fetch, load, aggregate, detect anomalies."""

import dagster as dg

from linky_pipeline.defs import names

sync_job = dg.define_asset_job(
    names.SYNC_JOB,
    selection=dg.AssetSelection.groups(*names.SYNC_GROUPS),
    description="Building × month rectangle: raw answers → readings → daily/monthly aggregates → anomalies.",
)
