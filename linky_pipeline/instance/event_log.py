"""dagster-postgres's event log with the project's write paths for what a nightly writes thousands of times.

Every override stores what dagster-postgres stores (tests in linky_pipeline_tests/deploy/test_dagster_instance.py
compare both); each saves round trips or serializations, or fixes a transaction PostgreSQL has aborted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from dagster import DagsterEventType
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluation,
    AssetCheckEvaluationPlanned,
)
from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    ConcurrencyLimitsTable,
    SqlEventLogStorageTable,
)
from dagster._serdes import serialize_value
from dagster_postgres.event_log import PostgresEventLogStorage
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert


class ProjectEventLogStorage(PostgresEventLogStorage):
    """dagster-postgres's event log: planned events in bulk, a check evaluation in one transaction, pool limits.

    `store_event_batch`: a batch of "materialization planned" events in one INSERT.

    Creating a run writes one planned event per asset and partition (9 000 for a 1 000-building nightly), in batches
    of `DAGSTER_EVENT_BATCH_SIZE`; dagster-postgres batches materializations but writes planned events one by one
    (an INSERT, a NOTIFY and an asset-index upsert each). Here a batch made only of planned events is one INSERT,
    then the asset index is updated from the last event of each asset, which is what the one-by-one upserts leave
    (they set `last_run_id` and the event's timestamp; planned events carry no tags to index). The NOTIFY is
    skipped as dagster-postgres's own batch path skips it (Dagster no longer listens to it). Every other batch goes
    to dagster-postgres unchanged.
    """

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        planned = DagsterEventType.ASSET_MATERIALIZATION_PLANNED
        if len(events) < 2 or any(e.get_dagster_event().event_type != planned for e in events):
            super().store_event_batch(events)
            return
        with self._connect() as conn:
            rows = conn.execute(self.prepare_insert_event_batch(events).returning(SqlEventLogStorageTable.c.id))
            ids = [int(row[0]) for row in rows.fetchall()]
        last_of_asset = {e.get_dagster_event().asset_key: (e, i) for e, i in zip(events, ids, strict=True)}
        with self.index_transaction() as conn:
            for event, event_id in last_of_asset.values():
                self._store_asset_event(conn, event, event_id)

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """One planned row per partition, as Dagster writes them, but the event serialized once and sent once.

        Dagster serializes the whole event (with its partition subset: 21 kB at 1 000 building-months) again for
        each of the subset's partitions, and sends every copy: O(N²) in the run's partitions (1.3 ms × 1 000
        partitions × 9 checks for the 1 000-building nightly). Here the event goes once and PostgreSQL repeats it
        over the partition keys, in their order: the same rows.
        """
        planned = cast(AssetCheckEvaluationPlanned, event.get_dagster_event().event_specific_data)
        if planned.partitions_subset is None:
            super()._store_asset_check_evaluation_planned(event, event_id)
            return
        keys = sa.func.unnest(
            sa.bindparam("keys", list(planned.partitions_subset.get_partition_keys()), ARRAY(sa.Text))
        )
        partition = keys.table_valued("partition", with_ordinality="ordinal").render_derived()
        table = AssetCheckExecutionsTable
        timestamp = self._event_insert_timestamp(event)  # type: ignore[no-untyped-call]
        rows = sa.select(
            sa.literal(planned.asset_key.to_string(), sa.Text),
            sa.literal(planned.check_name, sa.Text),
            partition.c.partition,
            sa.literal(event.run_id, sa.String),
            sa.literal(AssetCheckExecutionRecordStatus.PLANNED.value, sa.String),
            sa.literal(serialize_value(event), sa.Text),
            sa.literal(timestamp, table.c.evaluation_event_timestamp.type),
            sa.literal(event_id, sa.BigInteger),
        ).order_by(partition.c.ordinal)
        columns = [
            "asset_key",
            "check_name",
            "partition",
            "run_id",
            "execution_status",
            "evaluation_event",
            "evaluation_event_timestamp",
            "evaluation_event_storage_id",
        ]
        with self.index_connection() as conn:
            conn.execute(table.insert().from_select(columns, rows))

    def store_event(self, event: EventLogEntry) -> None:
        """A run's check evaluation: its event row and its check row in one transaction, the event serialized once.

        dagster-postgres stores an evaluation with an INSERT, a NOTIFY (kept only for older webservers; its own
        batch path skips it, as this storage's does), then an UPDATE of the check's planned row on another
        connection that serializes the event again. A nightly stores 9 evaluations per building-month, one at a
        time on the run's main thread. Every other event goes to dagster-postgres unchanged.
        """
        dagster_event = event.dagster_event
        if (
            dagster_event is None
            or dagster_event.event_type != DagsterEventType.ASSET_CHECK_EVALUATION
            or not event.run_id
        ):
            super().store_event(event)
            return
        evaluation = cast(AssetCheckEvaluation, dagster_event.event_specific_data)
        row = self._event_to_row(event)
        checks = AssetCheckExecutionsTable
        done = {
            "execution_status": (
                AssetCheckExecutionRecordStatus.SUCCEEDED
                if evaluation.passed
                else AssetCheckExecutionRecordStatus.FAILED
            ).value,
            "evaluation_event": row["event"],
            "evaluation_event_timestamp": row["timestamp"],
            "materialization_event_storage_id": (
                evaluation.target_materialization_data.storage_id if evaluation.target_materialization_data else None
            ),
            "partition": evaluation.partition,
        }
        with self.index_transaction() as conn:
            inserted = conn.execute(
                SqlEventLogStorageTable.insert().values(**row).returning(SqlEventLogStorageTable.c.id)
            )
            done["evaluation_event_storage_id"] = int(inserted.scalar_one())
            planned = sa.and_(
                checks.c.asset_key == evaluation.asset_key.to_string(),
                checks.c.check_name == evaluation.check_name,
                checks.c.run_id == event.run_id,
                self._get_asset_check_partition_filter_clause(PartitionKeyFilter(key=evaluation.partition)),
            )
            updated = conn.execute(checks.update().where(planned).values(**done)).rowcount
            if updated == 0:  # no planned row (e.g. a step launched outside the run's plan): Dagster inserts one
                conn.execute(
                    checks.insert().values(
                        asset_key=evaluation.asset_key.to_string(),
                        check_name=evaluation.check_name,
                        run_id=event.run_id,
                        **done,
                    )
                )
        if updated > 1:
            raise DagsterInvariantViolationError(
                f"Updated {updated} rows for asset check evaluation {evaluation.asset_check_key} "
                "as a result of duplicate AssetCheckPlanned events."
            )

    def initialize_concurrency_limit_to_default(self, concurrency_key: str) -> bool:
        """Set a pool that follows the default limit to the configured default, even when it already has a row.

        Dagster (1.13.27) tries an INSERT and, on the unique-key violation, an UPDATE in the same transaction:
        PostgreSQL has aborted it by then, so once a pool row exists under another default (after
        `concurrency.pools.default_limit` changed in dagster.yaml), every pooled step of every run fails before it
        starts. Here one upsert does what Dagster means: insert the pool at the default, or move its limit to it.
        """
        default_limit = self._instance.global_op_concurrency_default_limit if self.has_instance else None
        if default_limit is None or not (self.has_concurrency_limits_table and self.has_default_pool_limit_col):
            return bool(super().initialize_concurrency_limit_to_default(concurrency_key))
        self._reconcile_concurrency_limits_from_slots()
        limits = ConcurrencyLimitsTable
        upsert = pg_insert(limits).values(
            concurrency_key=concurrency_key, limit=default_limit, using_default_limit=True
        )
        with self.index_transaction() as conn:
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[limits.c.concurrency_key],
                    set_={"limit": default_limit},
                    where=limits.c.limit != default_limit,
                )
            )
            self._allocate_concurrency_slots(conn, concurrency_key, default_limit)
        return True
