"""Runtime SQL lives in .sql files next to this module, loaded by name (bound parameters only)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    return (resources.files(__package__) / f"{name}.sql").read_text(encoding="utf-8")
