"""A new user connects an ORES meter with one command (a browser follows the redirects) and sees it listed."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import psycopg
import pytest

from linky_pipeline.local.pgcluster import free_port
from linky_pipeline.sandbox.ores import DEMO_EAN
from linky_pipeline.sandbox.ores.settings import CLIENT_ID, CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer

pytestmark = pytest.mark.http


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linky_pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_connect_an_ores_meter_end_to_end(pg_url: str, db: psycopg.Connection) -> None:
    db.execute("INSERT INTO buildings (code, name, timezone) VALUES ('liege', 'Maison Liège', 'Europe/Brussels')")
    db.commit()
    port = free_port()
    with SandboxServer() as sandbox:  # the sandbox's real Brussels date: the probe asks for last week
        env = {
            **os.environ,
            "LINKY_DATABASE_URL": pg_url,
            "LINKY_ORES_BASE_URL": sandbox.ores_url,
            "LINKY_ORES_CLIENT_ID": CLIENT_ID,
            "LINKY_ORES_CLIENT_SECRET": CLIENT_SECRET,
            "LINKY_STATE_SECRET": "s" * 40,
            "LINKY_ENCRYPTION_KEYS": "cd" * 32,
        }
        env.pop("LINKY_ORES_REDIRECT_URI", None)
        missing = _cli(env, "meters", "connect", "--building", "liege", "--provider", "ores", "--no-browser")
        assert missing.returncode == 1 and "give the meter (--meter)" in missing.stderr
        command = [
            sys.executable, "-m", "linky_pipeline.cli", "meters", "connect", "--building", "liege",
            "--provider", "ores", "--meter", DEMO_EAN, "--callback-port", str(port), "--no-browser",
            "--sandbox-customer", "0",
        ]  # fmt: skip
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
            url = None
            for line in process.stdout:
                found = re.search(r"https?://\S+/ores/oauth/authorize\S+", line)
                if found:
                    url = found.group(0)
                    break
            assert url, "the consent URL is printed"
            answer = httpx.get(url, follow_redirects=True, timeout=10)  # the user's browser
            assert answer.status_code == 200 and "Consent received" in answer.text
            output = process.stdout.read()
            assert process.wait(timeout=30) == 0, output
        assert f"connected ores/{DEMO_EAN} (consumption) in liege, consent until revoked" in output
        assert f"connected ores/{DEMO_EAN} (production) in liege" in output
        listed = _cli(env, "meters", "list", "--building", "liege").stdout
        issued = sandbox.ores.issued()
    header, *rows = listed.splitlines()
    assert header.split("\t")[-1] == "token_expiry"
    lines = sorted(rows)
    assert len(lines) == 2
    for line, direction in zip(lines, ("consumption", "production"), strict=True):
        assert re.fullmatch(
            rf"liege\tores\t{DEMO_EAN}\t{direction}\tactive(\t-){{5}}\t\d{{4}}-\d\d-\d\dT\d\d:\d\dZ", line
        ), line
    assert not any(token in output + listed for token in issued) and CLIENT_SECRET not in output
