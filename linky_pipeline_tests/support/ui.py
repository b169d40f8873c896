"""The Dagster UI for browser tests: a webserver on a test instance, and the system's Chromium driven by
Playwright (its wheel carries the driver; no browser is downloaded: executable_path points at Debian's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from linky_pipeline.local.pgcluster import free_port

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    found = [p for p in CHROMIUM_CANDIDATES if Path(p).exists()]
    return found[0] if found else shutil.which("chromium")


@contextmanager
def dagster_webserver(dagster_home: Path, log: Path, timeout_s: float = 180) -> Iterator[str]:
    """`dagster-webserver` serving linky_pipeline.definitions (location linky_pipeline) on `dagster_home`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    workspace = dagster_home / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_module:\n      module_name: linky_pipeline.definitions\n"
        "      location_name: linky_pipeline\n",
        encoding="utf-8",
    )
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagster_webserver",
                "-w",
                str(workspace),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"dagster-webserver exited: {log.read_text(errors='replace')[-4000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/server_info", timeout=2):  # noqa: S310 - loopback
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"dagster-webserver did not answer in {timeout_s} s") from None
                    time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
