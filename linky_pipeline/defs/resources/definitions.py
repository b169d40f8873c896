"""Every resource, configured from the environment (EnvVar: resolved when a run starts, never at import)."""

import os
from typing import Any

import dagster as dg

from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.notifier import notifier_from_env
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.sources import EnedisResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource

# Optional settings: passed as EnvVar only when the variable exists, so an unset one keeps the field's default.
_POLICY_ENV = {
    "trailing_days": dg.EnvVar.int("LINKY_SYNC_TRAILING_DAYS"),
    "max_concurrency": dg.EnvVar.int("LINKY_SYNC_MAX_CONCURRENCY"),
    "today": dg.EnvVar("LINKY_SYNC_TODAY"),
}
_DASHBOARD_ENV = {"base_url": dg.EnvVar("LINKY_DASHBOARD_BASE_URL")}


def _present(settings: dict[str, Any]) -> dict[str, Any]:
    """Read when the code location loads its definitions (a function, not import time)."""
    return {field: var for field, var in settings.items() if var.env_var_name in os.environ}


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(database_url=dg.EnvVar("LINKY_DATABASE_URL")),
            "enedis": EnedisResource(
                base_url=dg.EnvVar("LINKY_ENEDIS_API_BASE"),
                client_id=dg.EnvVar("LINKY_ENEDIS_CLIENT_ID"),
                client_secret=dg.EnvVar("LINKY_ENEDIS_CLIENT_SECRET"),
                api_mode=dg.EnvVar("LINKY_ENEDIS_API_MODE"),
                quota_database_url=dg.EnvVar("LINKY_DATABASE_URL"),
            ),
            "sync_policy": SyncPolicyResource(**_present(_POLICY_ENV)),
            "notifier": notifier_from_env(),
            "dashboards": DashboardResource(**_present(_DASHBOARD_ENV)),
        },
        executor=dg.in_process_executor,
    )
