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

# asset checks
EVERY_METER_SYNCED: Final = "every_meter_synced"
NO_SILENT_EMPTY_ANSWER: Final = "no_silent_empty_answer"
NO_IMPLAUSIBLE_VALUE: Final = "no_implausible_value"
NO_NEGATIVE_KWH: Final = "no_negative_kwh"
NO_OVERLAPPING_INTERVAL: Final = "no_duplicate_or_overlapping_interval"
NO_FUTURE_INTERVAL: Final = "no_future_interval"
CURVE_MATCHES_OFFICIAL: Final = "curve_matches_official_daily_energy"
COMPLETE_DAYS: Final = "complete_days"

# run tags
MODE_TAG: Final = "linky/mode"  # nightly | backfill
REFERENCE_DATE_TAG: Final = "linky/reference_date"  # the run's "today" (YYYY-MM-DD)
TRIGGER_TAG: Final = "linky/trigger"  # which schedule asked for the run
RANGE_START_TAG: Final = "dagster/asset_partition_range_start"
RANGE_END_TAG: Final = "dagster/asset_partition_range_end"
