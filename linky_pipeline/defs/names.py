"""Names the Dagster surface shares: groups, asset checks and run tags (one place, no repeated literals)."""

from typing import Final

# asset groups, in the order data flows
INGESTION: Final = "ingestion"
READINGS: Final = "readings"
AGGREGATES: Final = "aggregates"
ANOMALIES: Final = "anomalies"
COSTS: Final = "costs"
SYNC_GROUPS: Final = (INGESTION, READINGS, AGGREGATES, COSTS, ANOMALIES)
SYNC_JOB: Final = "linky_sync"
SOURCES: Final = "sources"  # external: the meter APIs and exports upstream
SERVING: Final = "serving"  # external: the bi views and the Grafana dashboard downstream

# external assets (not materialized by Dagster)
CSV_EXPORTS: Final = "belgian_csv_exports"
BI_VIEWS: Final = "bi_views"
GRAFANA: Final = "grafana_dashboard"

# asset checks
EVERY_METER_SYNCED: Final = "every_meter_synced"
NO_SILENT_EMPTY_ANSWER: Final = "no_silent_empty_answer"
EVERY_BUILDING_FETCHED: Final = "every_building_fetched"
NO_IMPLAUSIBLE_VALUE: Final = "no_implausible_value"
NO_NEGATIVE_KWH: Final = "no_negative_kwh"
NO_OVERLAPPING_INTERVAL: Final = "no_duplicate_or_overlapping_interval"
NO_FUTURE_INTERVAL: Final = "no_future_interval"
CURVE_MATCHES_OFFICIAL: Final = "curve_matches_official_daily_energy"
COMPLETE_DAYS: Final = "complete_days"
TIMESCALEDB_JOBS_SUCCEED: Final = "timescaledb_jobs_succeed"
READINGS_UP_TO_DATE: Final = "readings_up_to_date"
FRESHNESS_JOB: Final = "readings_freshness_check"

# run tags
MODE_TAG: Final = "linky/mode"  # nightly | backfill
REFERENCE_DATE_TAG: Final = "linky/reference_date"  # the run's "today" (YYYY-MM-DD)
TRIGGER_TAG: Final = "linky/trigger"  # which schedule asked for the run
BUILDINGS_TAG: Final = "linky/buildings"  # which buildings a run covers (shown in the runs list)
MONTHS_TAG: Final = "linky/months"  # which months a run covers, e.g. 2025-01..2025-12
HISTORY_OF_TAG: Final = "linky/history_of"  # buildings whose history a backfill loads (comma-separated)
PROGRESS_TAG: Final = "linky/progress"  # windows done / planned of a running sync (updated while it runs)
ETA_TAG: Final = "linky/eta"  # when a running sync's last window should be fetched
RANGE_START_TAG: Final = "dagster/asset_partition_range_start"
RANGE_END_TAG: Final = "dagster/asset_partition_range_end"

# who answers for the assets (Dagster owners: an e-mail or team:<name>)
OWNERS: Final = ["team:linky-data"]

# Grafana dashboard of deploy/grafana/dashboards/linky.json: uid and the panel ids the metadata links to
GRAFANA_DASHBOARD_UID: Final = "linky-energy"
PANEL_DAILY: Final = 1
PANEL_MONTHLY: Final = 2
PANEL_COMPLETENESS: Final = 4
PANEL_ANOMALIES: Final = 5
PANEL_MAX_POWER: Final = 6
PANEL_LATEST_ANOMALIES: Final = 7
