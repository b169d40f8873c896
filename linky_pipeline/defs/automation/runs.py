"""Run tags that make one run cover a building × month rectangle (assets are range-aware)."""

from datetime import date

from linky_pipeline.defs.names import MODE_TAG, RANGE_END_TAG, RANGE_START_TAG
from linky_pipeline.defs.partitions import FIRST_MONTH, partition_key
from linky_pipeline.lib.domain.localtime import PARIS, month_start, today_in
from linky_pipeline.lib.sources.catalog import history_start


def rectangle_tags(first_building: str, last_building: str, first_month: date, last_month: date) -> dict[str, str]:
    """Tags for one run over buildings [first..last] (registry order) × months [first..last]."""
    return {
        RANGE_START_TAG: str(partition_key(first_building, first_month)),
        RANGE_END_TAG: str(partition_key(last_building, last_month)),
    }


def history_months(today: date) -> tuple[date, date]:
    """The months a full history backfill covers: the providers' longest horizon up to the current month."""
    first = max(month_start(history_start(today)), date.fromisoformat(FIRST_MONTH))
    return first, month_start(today)


def history_run_tags(building: str, today: date | None = None) -> dict[str, str]:
    first, last = history_months(today or today_in(PARIS))
    return {**rectangle_tags(building, building, first, last), MODE_TAG: "backfill"}
