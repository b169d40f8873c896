"""The warehouse the assets write to."""

import dagster as dg
import psycopg

from linky_pipeline.lib.store.db import connect


class WarehouseResource(dg.ConfigurableResource["WarehouseResource"]):
    """The PostgreSQL/TimescaleDB warehouse (one transaction per building-month)."""

    database_url: str

    def connect(self) -> psycopg.Connection:
        """A new connection (use it as a context manager); one per thread."""
        return connect(self.database_url)
