"""Every resource, configured from the environment (EnvVar: resolved when a run starts, never at import)."""

import os
from typing import Any

import dagster as dg

from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.notifier import notifier_from_env
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.reports import ReportsResource
from linky_pipeline.defs.resources.sources import EnedisResource, OresResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource

# Optional settings: passed as EnvVar only when the variable is set and not empty (compose passes unset ones as
# empty strings), so an unset one keeps the field's default.
_POLICY_ENV = {
    "trailing_days": dg.EnvVar.int("LINKY_SYNC_TRAILING_DAYS"),
    "max_concurrency": dg.EnvVar.int("LINKY_SYNC_MAX_CONCURRENCY"),
    "today": dg.EnvVar("LINKY_SYNC_TODAY"),
    "gap_retry_days": dg.EnvVar("LINKY_SYNC_GAP_RETRY_DAYS"),
    "gap_give_up_after": dg.EnvVar.int("LINKY_SYNC_GAP_GIVE_UP_AFTER"),
    "gap_retry_windows_per_meter": dg.EnvVar.int("LINKY_SYNC_GAP_RETRY_WINDOWS_PER_METER"),
    "build_while_fetching": dg.EnvVar.int("LINKY_SYNC_BUILD_WHILE_FETCHING"),
    "build_processes": dg.EnvVar.int("LINKY_SYNC_BUILD_PROCESSES"),
    "build_processes_from": dg.EnvVar.int("LINKY_SYNC_BUILD_PROCESSES_FROM"),
}
_DASHBOARD_ENV = {"base_url": dg.EnvVar("LINKY_DASHBOARD_BASE_URL")}
_ORES_ENV = {
    "base_url": dg.EnvVar("LINKY_ORES_BASE_URL"),
    "client_id": dg.EnvVar("LINKY_ORES_CLIENT_ID"),
    "client_secret": dg.EnvVar("LINKY_ORES_CLIENT_SECRET"),
    "redirect_uri": dg.EnvVar("LINKY_ORES_REDIRECT_URI"),
    "encryption_keys": dg.EnvVar("LINKY_ENCRYPTION_KEYS"),
    "window_days": dg.EnvVar.int("LINKY_ORES_WINDOW_DAYS"),
    "calls_per_minute": dg.EnvVar.int("LINKY_ORES_CALLS_PER_MINUTE"),
    "calls_per_hour": dg.EnvVar.int("LINKY_ORES_CALLS_PER_HOUR"),
}
_ENEDIS_ENV = {
    "api_mode": dg.EnvVar("LINKY_ENEDIS_API_MODE"),
    "calls_per_hour": dg.EnvVar.int("LINKY_ENEDIS_CALLS_PER_HOUR"),
    "quota_overrides": dg.EnvVar("LINKY_ENEDIS_QUOTA_OVERRIDES"),
    "quota_time_scale": dg.EnvVar.int("LINKY_QUOTA_TIME_SCALE"),
    "quota_reserve": dg.EnvVar.int("LINKY_ENEDIS_BACKFILL_RESERVE"),
}


def _present(settings: dict[str, Any]) -> dict[str, Any]:
    """Read when the code location loads its definitions (a function, not import time)."""
    return {field: var for field, var in settings.items() if os.environ.get(var.env_var_name)}


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(database_url=dg.EnvVar("LINKY_DATABASE_URL")),
            "enedis": EnedisResource(
                base_url=dg.EnvVar("LINKY_ENEDIS_API_BASE"),
                client_id=dg.EnvVar("LINKY_ENEDIS_CLIENT_ID"),
                client_secret=dg.EnvVar("LINKY_ENEDIS_CLIENT_SECRET"),
                quota_database_url=dg.EnvVar("LINKY_DATABASE_URL"),
                **_present(_ENEDIS_ENV),
            ),
            "ores": OresResource(database_url=dg.EnvVar("LINKY_DATABASE_URL"), **_present(_ORES_ENV)),
            "sync_policy": SyncPolicyResource(**_present(_POLICY_ENV)),
            "notifier": notifier_from_env(),
            "dashboards": DashboardResource(**_present(_DASHBOARD_ENV)),
            "reports": ReportsResource(**_present({"reports_dir": dg.EnvVar("LINKY_REPORTS_DIR")})),
        },
        executor=dg.in_process_executor,
    )
