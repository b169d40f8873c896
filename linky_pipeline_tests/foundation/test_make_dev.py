"""`make dev` as a developer uses it, in a terminal (a pseudo-terminal here): the URL is printed once the UI
answers, nothing of ours warns, and Ctrl-C stops everything with exit status 0 — for `make` too, which dies of a
SIGINT it receives even when its recipe exits 0 (the dev server takes the terminal's foreground for itself)."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from linky_pipeline.local.pgcluster import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.http]
STARTUP_S = 300


def _read_until(fd: int, pattern: re.Pattern[str], output: bytearray, timeout: float) -> re.Match[str] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return None
            if not chunk:
                return None
            output.extend(chunk)
        found = pattern.search(output.decode(errors="replace"))
        if found:
            return found
    return None


def _reap(pid: int, fd: int, *, interrupted: bool) -> int:
    """Wait for `make dev`; if a failed assertion left it running, stop it (Ctrl-C, then kill its groups)."""
    if not interrupted:
        with contextlib.suppress(OSError):
            os.write(fd, b"\x03")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        with contextlib.suppress(OSError):
            select.select([fd], [], [], 0.5) and os.read(fd, 65536)  # keep the terminal drained
    for group in {os.tcgetpgrp(fd), pid}:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def test_make_dev_prints_its_url_when_it_answers_and_exits_0_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text(
        f"dev:\n\t{sys.executable} -m linky_pipeline.local.devserver\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("LINKY_DATABASE_URL", "DAGSTER_HOME", "LINKY_SYNC_TODAY")}
    env["LINKY_DAGSTER_PORT"] = str(free_port())
    pid, fd = pty.fork()
    if pid == 0:  # the child: `make dev` in a fresh directory (its own .linky/ state)
        try:
            os.chdir(tmp_path)
            os.execvpe("make", ["make", "dev"], env)  # noqa: S606 - argv, no shell
        finally:
            os._exit(127)  # never return into pytest
    output = bytearray()
    interrupted = False
    try:
        found = _read_until(fd, re.compile(r"Dagster UI on (http://127\.0\.0\.1:\d+)"), output, STARTUP_S)
        assert found, output.decode(errors="replace")
        with urllib.request.urlopen(f"{found.group(1)}/server_info", timeout=5) as answer:  # noqa: S310 - loopback
            assert answer.status == 200  # printed once it answers, not before
        os.write(fd, b"\x03")  # Ctrl-C
        interrupted = True
        assert _read_until(fd, re.compile(r"Stopped\."), output, 120), output.decode(errors="replace")
    finally:
        status = _reap(pid, fd, interrupted=interrupted)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "warning" not in text.lower() and "Error" not in text and "Aborted" not in text, text
    logs = tmp_path / ".linky" / "logs"
    for log in ("code-server.log", "daemon.log", "webserver.log"):
        warnings = [line for line in (logs / log).read_text(errors="replace").splitlines() if "WARNING" in line]
        ours = [w for w in warnings if "No cursor for event type" not in w]  # the daemon's first start, not ours
        assert not ours, (log, ours)
