"""Stops a local PostgreSQL cluster once the process that started it is gone (even after SIGKILL).

Usage: python -m linky_pipeline.local.pgwatchdog <owner_pid> <pg_bindir> <datadir>
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    owner, bindir, datadir = int(argv[0]), argv[1], argv[2]
    while _alive(owner) and os.path.exists(os.path.join(datadir, "postmaster.pid")):
        time.sleep(0.5)
    if not os.path.exists(os.path.join(datadir, "postmaster.pid")):
        return 0
    kwargs: dict[str, object] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": "/"}
    subprocess.run(
        [os.path.join(bindir, "pg_ctl"), "stop", "-D", datadir, "-m", "immediate", "-w"],  # type: ignore[call-overload]
        capture_output=True,
        check=False,
        **kwargs,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
