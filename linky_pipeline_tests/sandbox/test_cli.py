"""The sandbox CLI serves real HTTP until interrupted (`python -m linky_pipeline.sandbox`)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from linky_pipeline.sandbox.cli import sandbox

pytestmark = pytest.mark.http


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_serve_options() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--port",
        "--host",
        "--today",
        "--error-rate",
        "--latency-ms",
        "--quota-per-second",
        "--quota-per-hour",
        "--time-scale",
    ):
        assert option in result.output


def test_bad_today_is_rejected() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--port", "0", "--today", "23/11/2026"])
    assert result.exit_code != 0
    assert "23/11/2026" in result.output


def test_module_serves_until_interrupted() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            *("-m", "linky_pipeline.sandbox", "--port", str(port), "--today", "2026-11-23"),
            *("--time-scale", "1000", "--quota-per-hour", "50"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        control = None
        for _ in range(200):
            try:
                control = httpx.get(f"http://127.0.0.1:{port}/sandbox/control", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert control is not None and control.json()["today"] == "2026-11-23"
        assert (control.json()["time_scale"], control.json()["quota_per_hour"]) == (1000.0, 50)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert b"sandbox stopped" in out
