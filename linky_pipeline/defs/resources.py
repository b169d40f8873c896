"""Resources: the warehouse, the meter API and the sync policy, all configured from the environment."""

from datetime import UTC, date, datetime

import dagster as dg
import psycopg

from linky_pipeline.lib.db import connect
from linky_pipeline.lib.localtime import PARIS, today_in


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL/TimescaleDB warehouse the assets write to (one transaction per building-month)."""

    database_url: str

    def connect(self) -> psycopg.Connection:
        """A new connection (use it as a context manager); one per thread."""
        return connect(self.database_url)


class SyncPolicyResource(dg.ConfigurableResource):
    """How much recent history is re-fetched, how many calls run at once, and which day is 'today'."""

    trailing_days: int = 7
    max_concurrency: int = 4
    today: str = ""  # YYYY-MM-DD to pin the clock (tests, sandbox demos); empty = the real date in Europe/Paris

    def reference_date(self, context: dg.AssetExecutionContext) -> date:
        """The schedule pins the date in a tag; otherwise the run's creation date, so every step of one run agrees
        even when the run crosses midnight."""
        tagged = context.run.tags.get("linky/reference_date")
        if tagged:
            return date.fromisoformat(tagged)
        if self.today:
            return date.fromisoformat(self.today)
        record = context.instance.get_run_record_by_id(context.run.run_id)
        created = record.create_timestamp if record is not None else datetime.now(UTC)
        return today_in(PARIS, created.astimezone(UTC))


@dg.definitions
def resources() -> dg.Definitions:
    from linky_pipeline.defs.enedis_resource import EnedisResource
    from linky_pipeline.defs.notifier_resource import notifier_from_env

    warehouse = WarehouseResource(database_url=dg.EnvVar("LINKY_DATABASE_URL"))
    return dg.Definitions(
        resources={
            "warehouse": warehouse,
            "enedis": EnedisResource(
                base_url=dg.EnvVar("LINKY_ENEDIS_API_BASE"),
                client_id=dg.EnvVar("LINKY_ENEDIS_CLIENT_ID"),
                client_secret=dg.EnvVar("LINKY_ENEDIS_CLIENT_SECRET"),
                api_mode=dg.EnvVar("LINKY_ENEDIS_API_MODE"),
                quota_database_url=dg.EnvVar("LINKY_DATABASE_URL"),
            ),
            "sync_policy": SyncPolicyResource(),
            "notifier": notifier_from_env(),
        },
        executor=dg.in_process_executor,
    )
