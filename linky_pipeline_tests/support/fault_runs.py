"""Pipeline runs for the fault matrix: the real assets and warehouse, the meter APIs behind the fault proxy, clients
with a short timeout and fast backoff (a stalled answer costs seconds, not minutes), and what to compare runs by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import psycopg

from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.definitions import SyncPolicyResource, WarehouseResource
from linky_pipeline.defs.resources.sources import EnedisResource
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.endpoints import api_mode_of
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.pipeline import PIPELINE_ASSETS, REFERENCE, ores_resource

TIMEOUT_S = 1.5  # what a stall must outlast to be a timeout
TABLES = (  # what "converges to the reference" compares (when and through which URL it was fetched excluded)
    "raw_load_curves",
    "fetch_state",
    "readings",
    "daily_consumption",
    "monthly_consumption",
    "daily_max_power",
    "consumption_anomalies",
)
# when it was fetched (first_fetched_at: when a day was first asked, migration 070) and through which URL
_VOLATILE = {"raw_load_curves": ["fetched_at", "request"], "fetch_state": ["fetched_at", "first_fetched_at"]}


class FaultTolerantEnedis(EnedisResource):
    """EnedisResource with the retry bounds of production but a short timeout and backoff base."""

    timeout_s: float = TIMEOUT_S
    backoff_base_s: float = 0.01

    def client(self, policy: SyncPolicy) -> EnedisClient:
        reference = policy.reference
        if reference not in self._clients:
            self._clients[reference] = EnedisClient(
                base_url=self.base_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                api_mode=api_mode_of(self.api_mode),
                limiter=self.quotas(),
                retry=RetryPolicy(backoff_base_s=self.backoff_base_s, backoff_cap_s=0.2, max_quota_wait_s=10),
                timeout_s=self.timeout_s,
                today=lambda: reference,
            )
        return self._clients[reference]


@dataclass(frozen=True)
class FaultRig:
    """Where the APIs are (the proxy), the warehouse, and the sandbox behind the proxy."""

    pg_url: str
    api_url: str  # the proxy
    sandbox: SandboxServer

    def resources(self, reference: date = REFERENCE) -> dict[str, Any]:
        return {
            "warehouse": WarehouseResource(database_url=self.pg_url),
            "enedis": FaultTolerantEnedis(
                base_url=self.api_url,
                client_id=SANDBOX_CLIENT_ID,
                client_secret=SANDBOX_CLIENT_SECRET,
                quota_database_url=self.pg_url,
                calls_per_second=500,
                calls_per_hour=100_000,
            ),
            "ores": ores_resource(self.sandbox, self.pg_url, base_url=f"{self.api_url}/ores", timeout_s=TIMEOUT_S),
            "sync_policy": SyncPolicyResource(today=reference.isoformat()),
            "dashboards": DashboardResource(),
        }

    def run(
        self,
        buildings: list[str],
        first: date,
        last: date,
        *,
        instance: dg.DagsterInstance | None = None,
        assets: list[Any] | None = None,
        reference: date = REFERENCE,
    ) -> dg.ExecuteInProcessResult:
        instance = instance or dg.DagsterInstance.ephemeral()
        known = set(instance.get_dynamic_partitions("building"))
        instance.add_dynamic_partitions("building", [b for b in buildings if b not in known])
        return dg.materialize(
            assets or PIPELINE_ASSETS,
            instance=instance,
            resources=self.resources(reference),
            tags=rectangle_tags(buildings[0], buildings[-1], first, last),
            raise_on_error=False,
        )


def table_checksums(url: str, tables: tuple[str, ...] = TABLES) -> dict[str, str]:
    """md5 per table over every row (minus when it was fetched): two runs that converged have equal checksums."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in tables:
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s AND column_name <> ALL(%s) ORDER BY ordinal_position",
                    (table, _VOLATILE.get(table, [])),
                )
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            row = conn.execute(
                f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')), count(*) "
                f"FROM (SELECT {listed} FROM {table}) r"
            ).fetchone()
            assert row is not None
            out[table] = f"{row[0]}:{row[1]}"
    return out


def implausible_readings(url: str, bounds: PlausibilityBounds | None = None) -> int:
    """Rows of the warehouse beyond the plausibility bounds (must always be 0)."""
    bounds = bounds or PlausibilityBounds.from_env({})
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM readings WHERE kwh * 3600.0 / interval_s > %(kw)s OR kwh < 0 "
            "   OR kwh = 'NaN'::float8) "
            "+ (SELECT count(*) FROM daily_consumption WHERE official_kwh > %(day)s OR total_kwh > %(day)s) "
            "+ (SELECT count(*) FROM daily_max_power WHERE max_power_va > %(va)s)",
            {"kw": bounds.max_interval_kw, "day": bounds.max_daily_kwh, "va": bounds.max_power_va},
        ).fetchone()
    assert row is not None
    return int(row[0])


def check_verdict(result: dg.ExecuteInProcessResult, name: str, key: str) -> tuple[bool, dict[str, Any]]:
    """A partitioned check over the whole run: passed on every building-month, and its per-partition JSON
    metadata `key` merged (meter → errors, points…)."""
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert found, f"check {name} was not evaluated"
    merged: dict[str, Any] = {}
    for evaluation in found:
        merged.update(evaluation.metadata[key].value)  # type: ignore[call-overload]
    return all(e.passed for e in found), merged


def failed_checks(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}


def landing_total(result: dg.ExecuteInProcessResult, key: str) -> int:
    """A landing counter summed over the run's building-months (each partition records its own)."""
    return sum(int(m.metadata[key].value) for m in result.asset_materializations_for_node("raw_load_curves"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class StepFailed:
    message: str
    metadata: dict[str, Any]


def step_failures(result: dg.ExecuteInProcessResult) -> dict[str, StepFailed]:
    """Failed steps of a run: the message and the metadata of the dg.Failure raised (or the error's text)."""
    out = {}
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.STEP_FAILURE or event.step_key is None:
            continue
        data = event.step_failure_data
        user = data.user_failure_data  # a dg.Failure's own description, else the error's text
        message = (user.description if user and user.description else None) or (
            data.error.message if data.error else ""
        )
        metadata = {k: getattr(v, "value", v) for k, v in (user.metadata if user else {}).items()}
        out[event.step_key] = StepFailed(message, metadata)
    return out
