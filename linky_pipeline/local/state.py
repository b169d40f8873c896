"""The developer's local state under .linky/: a persistent cluster for `make demo` and `make dev`."""

from __future__ import annotations

from pathlib import Path

from linky_pipeline.local.pgcluster import LocalCluster, free_port

LOCAL_STATE = Path(".linky")


def local_cluster(state_dir: Path = LOCAL_STATE) -> LocalCluster:
    """The cluster in <state_dir>/pgdata, on the port it used last time (so URLs stay valid across runs)."""
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    port_file = state_dir / "pg.port"
    if port_file.exists():
        port = int(port_file.read_text(encoding="utf-8").strip())
    else:
        port = free_port()
        port_file.write_text(f"{port}\n", encoding="utf-8")
    return LocalCluster(datadir=state_dir / "pgdata", port=port)
