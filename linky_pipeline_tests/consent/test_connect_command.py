"""A new user connects a sandbox meter with one command and sees it in `meters list`."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import psycopg
import pytest

from linky_pipeline.local.pgcluster import free_port
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer

pytestmark = pytest.mark.http


def test_connect_command_end_to_end(pg_url: str, db: psycopg.Connection) -> None:
    db.execute("INSERT INTO buildings (code, name) VALUES ('res-verte', 'Résidence Verte')")
    db.commit()
    port = free_port()
    with SandboxServer() as sandbox:
        env = {
            **os.environ,
            "LINKY_DATABASE_URL": pg_url,
            "LINKY_ENEDIS_API_BASE": sandbox.url,
            "LINKY_ENEDIS_CLIENT_ID": SANDBOX_CLIENT_ID,
            "LINKY_ENEDIS_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "LINKY_STATE_SECRET": "s" * 40,
            "LINKY_ENCRYPTION_KEYS": "ab" * 32,
        }
        command = [
            sys.executable,
            "-m",
            "linky_pipeline.cli",
            "meters",
            "connect",
            "--building",
            "res-verte",
            "--provider",
            "enedis",
            "--api",
            "v5",  # legacy: one consent for the customer's two PRMs (2026: one PRM per consent)
            "--callback-port",
            str(port),
            "--no-browser",
            "--sandbox-customer",
            "3",
        ]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
            url = None
            for line in process.stdout:
                found = re.search(r"https?://\S+authorize\S+", line)
                if found:
                    url = found.group(0)
                    break
            assert url, "the consent URL is printed"
            answer = httpx.get(url, follow_redirects=True, timeout=10)  # the user's browser
            assert answer.status_code == 200
            output = process.stdout.read()
            assert process.wait(timeout=30) == 0, output
        listed = subprocess.run(
            [sys.executable, "-m", "linky_pipeline.cli", "meters", "list", "--building", "res-verte"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert "12345678901234\tconsumption\tactive" in listed
    assert "10284856584123\tproduction\tactive" in listed
