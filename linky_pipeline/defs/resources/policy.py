"""The sync policy of a run, computed once: reference date, trailing window, mode and concurrency."""

from datetime import UTC, date, datetime

import dagster as dg
from pydantic import PrivateAttr

from linky_pipeline.defs.names import MODE_TAG, REFERENCE_DATE_TAG
from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.domain.policy import SyncMode, SyncPolicy


class SyncPolicyResource(dg.ConfigurableResource["SyncPolicyResource"]):
    """How much recent history is re-fetched, how many calls run at once, and which day is 'today'."""

    trailing_days: int = 7
    max_concurrency: int = 4  # workers per API
    today: str = ""  # YYYY-MM-DD to pin the clock (tests, sandbox demos); empty = the run's creation date in Paris
    gap_retry_days: str = "1,3,7"  # a gap is asked again after these many days (by answers so far), then weekly
    gap_give_up_after: int = 30  # answers without the day's data before it is given up (with the reason)
    gap_retry_windows_per_meter: int = 2  # windows per meter, API and run that only re-ask gaps
    # 1: each month's tables are built as soon as it has landed, while later months are fetched; 0: the table
    # assets build everything after the fetch (the benchmark's baseline)
    build_while_fetching: int = 1
    # worker processes building those tables (spawned per run, lib/tables/build_processes.py), when the run has at
    # least `build_processes_from` building-months; else (or with 0) the run's own builder threads build them
    build_processes: int = 2
    build_processes_from: int = 48
    _policies: dict[str, SyncPolicy] = PrivateAttr(default_factory=dict)

    def policy(self, context: dg.AssetExecutionContext) -> SyncPolicy:
        """The run's policy. Its reference date is the schedule's tag, else the pinned date, else the run's
        creation date, so every step of one run agrees even when the run crosses midnight."""
        run = context.run
        if run.run_id not in self._policies:
            mode: SyncMode = "nightly" if run.tags.get(MODE_TAG) == "nightly" else "backfill"
            self._policies[run.run_id] = SyncPolicy(
                reference=self._reference(context),
                trailing_days=self.trailing_days,
                mode=mode,
                max_concurrency=self.max_concurrency,
                retry_after_days=tuple(int(d) for d in self.gap_retry_days.split(",") if d.strip()),
                give_up_after=self.gap_give_up_after,
                retry_windows_per_meter=self.gap_retry_windows_per_meter,
            )
        return self._policies[run.run_id]

    def _reference(self, context: dg.AssetExecutionContext) -> date:
        tagged = context.run.tags.get(REFERENCE_DATE_TAG)
        if tagged:
            return date.fromisoformat(tagged)
        if self.today:
            return date.fromisoformat(self.today)
        record = context.instance.get_run_record_by_id(context.run.run_id)
        created = record.create_timestamp if record is not None else datetime.now(UTC)
        return today_in(PARIS, created.astimezone(UTC))
