"""The one SQL loader: statements live in a `sql/` folder beside the module that runs them (bound parameters only).

Migrations are not loaded here: they stay in the top-level `sql/` folder (see `migrations.py`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _read(package: str, name: str) -> str:
    return (resources.files(package) / "sql" / f"{name}.sql").read_text(encoding="utf-8")


class SqlFiles:
    """`SQL = SqlFiles(__name__)` in a module; `SQL["upsert_anomaly"]` reads `<package>/sql/upsert_anomaly.sql`."""

    def __init__(self, module: str) -> None:
        self.package = module.rpartition(".")[0]

    def __getitem__(self, name: str) -> str:
        return _read(self.package, name)
