"""Pipeline fixtures (a pytest plugin of the root conftest): the sandbox over real HTTP, the real warehouse, an
ephemeral Dagster instance, and table checksums to compare runs."""

from collections.abc import Callable, Iterator
from datetime import date

import dagster as dg
import psycopg
import pytest

from linky_pipeline.defs.assets.aggregates import daily_consumption, daily_max_power, monthly_consumption
from linky_pipeline.defs.assets.anomalies import consumption_anomalies
from linky_pipeline.defs.assets.costs import daily_cost, monthly_cost
from linky_pipeline.defs.assets.ingestion import raw_load_curves
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.defs.assets.sync_verdict import every_building_fetched
from linky_pipeline.defs.assets.usage_alerts import usage_alerts
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.definitions import SyncPolicyResource, WarehouseResource
from linky_pipeline.defs.resources.sources import EnedisResource, OresResource
from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.ores import OresSandboxSettings
from linky_pipeline.sandbox.ores.settings import CLIENT_ID as ORES_CLIENT_ID
from linky_pipeline.sandbox.ores.settings import CLIENT_SECRET as ORES_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

REFERENCE = date(2026, 11, 23)
VAULT_KEY = "5e" * 32  # LINKY_ENCRYPTION_KEYS of the pipeline tests: seals the ORES meters' tokens
PIPELINE_ASSETS = [
    raw_load_curves,
    readings,
    daily_consumption,
    daily_max_power,
    monthly_consumption,
    consumption_anomalies,
    every_building_fetched,
]
COST_ASSETS = [*PIPELINE_ASSETS, daily_cost, monthly_cost]
ALERT_ASSETS = [*COST_ASSETS, usage_alerts]


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(
        settings=SandboxSettings(today=REFERENCE, quota_per_second=1000, quota_per_hour=100_000),
        ores_settings=OresSandboxSettings(today=REFERENCE),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def building(db: psycopg.Connection) -> Callable[..., str]:
    def _add(code: str, *meters: tuple[str, str]) -> str:
        add_building(db, code, code.title())
        for prm, direction in meters:
            add_meter(db, code, "enedis", prm, direction)
        db.commit()
        return code

    return _add


@pytest.fixture
def run_pipeline(pg_url: str, sandbox: SandboxServer) -> Callable[..., dg.ExecuteInProcessResult]:
    default_instance = dg.DagsterInstance.ephemeral()

    def _run(
        buildings: list[str],
        first: date,
        last: date,
        *,
        reference: date = REFERENCE,
        nightly: bool = False,
        assets: list | None = None,
        instance: dg.DagsterInstance | None = None,
        pin_today: bool = True,
        ores: dict[str, object] | None = None,
        api_mode: str = "2026-v2",
        policy: dict[str, object] | None = None,
        enedis: dict[str, object] | None = None,
    ) -> dg.ExecuteInProcessResult:
        instance = instance or default_instance
        known = set(instance.get_dynamic_partitions("building"))
        instance.add_dynamic_partitions("building", [b for b in buildings if b not in known])
        tags = rectangle_tags(buildings[0], buildings[-1], first, last)
        if nightly:
            tags |= {"linky/mode": "nightly", "linky/reference_date": reference.isoformat()}
        warehouse = WarehouseResource(database_url=pg_url)
        resources = {
            "warehouse": warehouse,
            "enedis": EnedisResource(
                **{  # type: ignore[arg-type]
                    "base_url": sandbox.url,
                    "client_id": SANDBOX_CLIENT_ID,
                    "client_secret": SANDBOX_CLIENT_SECRET,
                    "quota_database_url": warehouse.database_url,
                    "api_mode": api_mode,
                    "calls_per_second": 500,
                    "calls_per_hour": 100_000,  # tests backfill years in seconds; the quota tests scale time instead
                    **(enedis or {}),
                }
            ),
            "ores": ores_resource(sandbox, warehouse.database_url, **(ores or {})),
            "sync_policy": SyncPolicyResource(
                today=reference.isoformat() if pin_today else "",
                **(policy or {}),  # type: ignore[arg-type]
            ),
            "dashboards": DashboardResource(),
        }
        return dg.materialize(
            assets or PIPELINE_ASSETS, instance=instance, resources=resources, tags=tags, raise_on_error=False
        )

    return _run


def ores_resource(sandbox: SandboxServer, database_url: str, **overrides: object) -> OresResource:
    """ORES against the sandbox: real HTTP, the warehouse's vault-sealed tokens, a fast quota and backoff."""
    settings: dict[str, object] = {
        "base_url": sandbox.ores_url,
        "client_id": ORES_CLIENT_ID,
        "client_secret": ORES_CLIENT_SECRET,
        "encryption_keys": VAULT_KEY,
        "database_url": database_url,
        "calls_per_minute": 60_000,
        "backoff_base_s": 0.01,
        "timeout_s": 5.0,
        **overrides,
    }
    return OresResource(**settings)  # type: ignore[arg-type]


PIPELINE_TABLES = (
    "raw_load_curves",
    "fetch_state",
    "readings",
    "daily_consumption",
    "monthly_consumption",
    "daily_max_power",
)


def checksums(db: psycopg.Connection, tables: tuple[str, ...] = PIPELINE_TABLES) -> dict[str, str]:
    """An md5 per table over every row, to prove re-runs leave tables identical."""
    db.rollback()
    out = {}
    for table in tables:
        row = db.execute(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        ).fetchone()
        assert row is not None
        out[table] = str(row[0])
    return out
