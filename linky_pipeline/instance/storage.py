"""Dagster's PostgreSQL storage with pooled connections, for every Dagster process.

dagster-postgres opens its engines with SQLAlchemy's NullPool: every event write and instance query opens (and
closes) a new PostgreSQL connection. Creating a nightly run of 300 buildings writes 2 700 "materialization
planned" events, and the run's Dagster database saw 5 610 sessions (benchmarks/RESULTS.md, "Fleet scale"). Only
the webserver switches to a pool (`optimize_for_webserver`); this storage does the same in the daemon (which
creates the scheduled runs), the run workers and the webserver alike, from the moment the instance is loaded.
Its event log is the project's (`event_log.py`): planned events in bulk, a check evaluation in one transaction.
"""

from __future__ import annotations

from typing import Any, cast

from dagster import Field, IntSource
from dagster._config.config_schema import UserConfigSchema
from dagster._core.storage.config import PostgresStorageConfig, pg_config
from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.run_storage import PostgresRunStorage
from dagster_postgres.schedule_storage import PostgresScheduleStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

from linky_pipeline.instance.event_log import ProjectEventLogStorage

# What the webserver uses for itself: one kept connection per storage, up to 10 more under load, recycled hourly,
# no statement timeout (a run may legitimately wait on a lock, e.g. a concurrency slot).
DEFAULT_MAX_OVERFLOW = 10
DEFAULT_POOL_RECYCLE_S = 3600


class PooledPostgresStorage(DagsterPostgresStorage):
    """`storage: postgres` with a small connection pool per run/event/schedule storage.

    Same configuration as `storage: postgres` (postgres_url or postgres_db, env vars allowed), plus
    `max_overflow` and `pool_recycle_seconds`. Configured in dagster.yaml as
    `storage: {custom: {module: linky_pipeline.instance.storage, class: PooledPostgresStorage, config: …}}`;
    the instance reference handed to run workers carries this class, so they pool too.
    """

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
        pool_recycle_seconds: int = DEFAULT_POOL_RECYCLE_S,
    ) -> None:
        # DagsterPostgresStorage.__init__, with the project's event log
        self.postgres_url, self.should_autocreate_tables = postgres_url, should_autocreate_tables
        self._inst_data = inst_data
        self._run_storage = PostgresRunStorage(postgres_url, should_autocreate_tables, token_provider=token_provider)
        self._event_log_storage = ProjectEventLogStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._schedule_storage = PostgresScheduleStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        super(DagsterPostgresStorage, self).__init__()  # type: ignore[no-untyped-call]
        self.max_overflow, self.pool_recycle_seconds = max_overflow, pool_recycle_seconds
        for storage in (self.run_storage, self.event_log_storage, self.schedule_storage):
            storage.optimize_for_webserver(
                statement_timeout=0, pool_recycle=pool_recycle_seconds, max_overflow=max_overflow
            )

    @classmethod
    def config_type(cls) -> UserConfigSchema:
        schema = dict(cast(dict[str, Any], pg_config()))
        schema["max_overflow"] = Field(IntSource, is_required=False, default_value=DEFAULT_MAX_OVERFLOW)
        schema["pool_recycle_seconds"] = Field(IntSource, is_required=False, default_value=DEFAULT_POOL_RECYCLE_S)
        return schema

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: PostgresStorageConfig
    ) -> PooledPostgresStorage:
        config: dict[str, Any] = dict(config_value)
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
            max_overflow=config.get("max_overflow", DEFAULT_MAX_OVERFLOW),
            pool_recycle_seconds=config.get("pool_recycle_seconds", DEFAULT_POOL_RECYCLE_S),
        )
