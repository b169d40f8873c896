"""What the catalog shows about a table asset besides its data: table name, columns, owners, tags, code version.

The code version is a digest of the lib module that builds the table and the SQL files it runs, so the UI flags a
partition built by older logic as having a changed code version, without anyone bumping a number by hand.
"""

import hashlib
import re
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.lib.store.schema_docs import table_schema

_SQL_NAME = re.compile(r'SQL\["([a-z0-9_]+)"\]')


def code_version(*modules: ModuleType) -> str:
    digest = hashlib.sha256()
    for module in modules:
        source = Path(str(module.__file__)).read_text(encoding="utf-8")
        digest.update(source.encode())
        package = module.__name__.rpartition(".")[0]
        for name in sorted(set(_SQL_NAME.findall(source))):
            digest.update((resources.files(package) / "sql" / f"{name}.sql").read_bytes())
    return digest.hexdigest()[:12]


class TableAssetArgs(TypedDict):
    code_version: str
    owners: list[str]
    tags: dict[str, str]
    metadata: dict[str, Any]


def table_asset(table: str, layer: str, *modules: ModuleType) -> TableAssetArgs:
    """Keyword arguments of @dg.asset for an asset that is the warehouse table `table`."""
    schema = table_schema(table)
    metadata: dict[str, Any] = {"dagster/table_name": f"public.{table}"}
    if schema is not None:
        metadata["dagster/column_schema"] = dg.TableSchema(
            columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in schema]
        )
    return {
        "code_version": code_version(*modules),
        "owners": list(names.OWNERS),
        "tags": {"layer": layer, "domain": "energy"},
        "metadata": metadata,
    }
