"""The secret sweep: a DEBUG run facing secret-echoing gateways (Enedis data calls quoting the bearer token in their
body and a header, its token endpoint quoting the client-secret form, ORES data calls quoting theirs, an ORES token
refreshed during the run), then every secret searched in the run's logs, in Dagster's event storage and run
folder (a real on-disk instance, its files read as bytes), and in every column of every warehouse table."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import httpx
import psycopg
import pytest
from psycopg import sql

from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.local.stack import SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.ores import DEMO_EAN
from linky_pipeline.sandbox.ores.settings import CLIENT_SECRET as ORES_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.faults.conftest import ALPHA_PRM, BUILDINGS, MONTH
from linky_pipeline_tests.faults.matrix import CURVE, DAILY, TOKEN
from linky_pipeline_tests.support.fault_proxy import FaultProxy, Rule
from linky_pipeline_tests.support.fault_runs import FaultRig, check_verdict, step_failures
from linky_pipeline_tests.support.ores import connect_ores
from linky_pipeline_tests.support.pipeline import VAULT_KEY

pytestmark = pytest.mark.faults
BETA_PRM = "12345678901234"


def _warehouse_hits(url: str, secrets: list[str]) -> list[str]:
    """(schema.table.column) holding any secret: text-like columns as text, bytea columns as raw bytes."""
    found = []
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table, column, data_type in columns:
            target = sql.Identifier(schema, table)
            col = sql.Identifier(column)
            for secret in secrets:
                if data_type == "bytea":
                    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE position(%s::bytea IN {}) > 0)")
                    params: tuple[object, ...] = (secret.encode(),)
                else:
                    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE strpos({}::text, %s) > 0)")
                    params = (secret,)
                row = conn.execute(query.format(target, col), params).fetchone()
                if row and row[0]:
                    found.append(f"{schema}.{table}.{column}")
    return found


def _files_with(folder: Path, secrets: list[str]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(folder)}" for s in secrets if s.encode() in data]
    return hits


def test_no_secret_in_logs_event_storage_or_warehouse_after_a_debug_run_facing_echoing_gateways(
    rig: FaultRig,
    proxy: FaultProxy,
    sandbox: SandboxServer,
    db: psycopg.Connection,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    add_building(db, "liege", "Liège", "Europe/Brussels")
    vault = Vault.from_env({"LINKY_ENCRYPTION_KEYS": VAULT_KEY})
    connect_ores(db, sandbox, "liege", DEMO_EAN, 0, vault)
    db.commit()
    ores_tokens_before = set(sandbox.ores.issued())
    httpx.post(f"{sandbox.ores_url}/sandbox/faults", json={"fault": "401"})  # a refresh during the run
    echo = [
        proxy.add(Rule("echo", path=CURVE, query=ALPHA_PRM)),
        # a token refused once on a beta call makes the client ask a second token: that request is echoed
        proxy.add(Rule("respond", path=DAILY, query=BETA_PRM, times=1, status=401, body=b'{"error":"invalid_token"}')),
        proxy.add(Rule("echo", path=TOKEN, times=1, after=1)),
        proxy.add(Rule("echo", path="/ores/v1/", times=1)),
    ]
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "linky_pipeline", "dagster", "authlib"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = rig.run([*BUILDINGS, "liege"], MONTH, MONTH, instance=instance)
        events = "\n".join(str(e) for e in instance.all_logs(result.run_id))

    assert all(rule.hits for rule in echo), [rule.hits for rule in echo]
    # alpha's only meter fails all run long: a building that lost every meter fails the run, after the tables
    assert list(step_failures(result)) == ["raw_load_curves_every_building_fetched"]
    _, errors = check_verdict(result, "every_meter_synced", "meter_errors")
    assert f"alpha/{ALPHA_PRM}" in errors and "Bearer ***" in errors[f"alpha/{ALPHA_PRM}"]
    assert set(sandbox.ores.issued()) - ores_tokens_before, "the ORES token was refreshed during the run"
    secrets = [
        SANDBOX_CLIENT_SECRET,
        ORES_CLIENT_SECRET,
        VAULT_KEY,
        *sandbox.app.tokens.issued(),
        *sandbox.ores.issued(),
    ]
    assert len(secrets) >= 8
    assert [s for s in secrets if s in caplog.text] == []
    assert [s for s in secrets if s in events] == []
    assert _files_with(home, secrets) == [], "Dagster's event storage, run and compute-log files"
    assert _warehouse_hits(rig.pg_url, secrets) == []
    # the sweep sees what it searches: the run's id in Dagster's files, a PRM in the landing's JSON and text, the
    # sealed tokens in the warehouse (bytea, searched as raw bytes above)
    assert _files_with(home, [result.run_id]) != []
    landed = set(_warehouse_hits(rig.pg_url, ["10284856584123"]))  # beta's production meter synced
    assert {"public.raw_load_curves.payload", "public.meters.meter_id"} <= landed
    assert db.execute("SELECT count(*) FROM meter_credentials").fetchone()[0] >= 2
