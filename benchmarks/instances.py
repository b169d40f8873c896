"""Benchmark instances: PostgreSQL-backed, with the pooled connections the run workers use."""

from pathlib import Path

import dagster as dg

PROJECT_STORAGE = "storage:\n  custom:\n    module: linky_pipeline.instance.storage\n    class: PooledPostgresStorage\n"


def pooled_instance(home: str, storage_url: str, project_storage: bool) -> dg.DagsterInstance:
    """An instance in `home` on `storage_url`: plain dagster-postgres storage, or the project's as dagster.yaml
    configures it (`linky_pipeline.instance.storage.PooledPostgresStorage`)."""
    if project_storage:
        yaml = PROJECT_STORAGE + f'    config:\n      postgres_url: "{storage_url}"\n'
    else:
        yaml = f'storage:\n  postgres:\n    postgres_url: "{storage_url}"\n'
    (Path(home) / "dagster.yaml").write_text(yaml + "telemetry:\n  enabled: false\n", encoding="utf-8")
    instance = dg.DagsterInstance.from_config(home)
    instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=10)
    return instance
