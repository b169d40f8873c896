"""Shared code names no provider: only a provider's own package, the catalog that lists them, and the resources
that configure their credentials may (docs/architecture.md §4). Checked on the code itself (identifiers, imports,
string literals), not on comments or docstrings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import linky_pipeline

ROOT = Path(linky_pipeline.__file__).parent
NAMES = re.compile(r"enedis|\bores\b|(?<![a-z])ores_|Ores[A-Z]", re.IGNORECASE)
OWN_PACKAGES = ("lib/sources/enedis/", "lib/sources/ores/", "sandbox/", "local/")
ALLOWED = {
    "lib/sources/catalog.py": "lists the providers",
    "defs/resources/sources.py": "configures each provider's credentials",
    "defs/resources/definitions.py": "reads each provider's environment variables",
    "lib/domain/identifiers.py": "the identifier forms each provider code accepts (mirrors the meters CHECK)",
    # Dagster wants each resource as a parameter (a resource nesting the providers' resources hits a deprecated
    # Dagster path); the body only hands them to meter_clients. Its pool keeps the deployed name "enedis_api".
    "defs/assets/ingestion.py": "declares each provider's resource as a parameter",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _mentions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        texts: list[str] = []
        if isinstance(node, ast.Name):
            texts = [node.id]
        elif isinstance(node, ast.Attribute):
            texts = [node.attr]
        elif isinstance(node, ast.alias):
            texts = [node.name, node.asname or ""]
        elif isinstance(node, ast.ImportFrom):
            texts = [node.module or ""]
        elif isinstance(node, ast.arg | ast.keyword):
            texts = [node.arg or ""]
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            texts = [node.name]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            texts = [node.value]
        found += [f"{getattr(node, 'lineno', '?')}: {t!r}" for t in texts if NAMES.search(t)]
    return found


def test_no_module_outside_a_providers_package_names_a_provider() -> None:
    offenders = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(OWN_PACKAGES) or relative in ALLOWED:
            continue
        mentions = _mentions(path)
        if mentions:
            offenders[relative] = mentions[:3]
    assert offenders == {}


def test_the_check_finds_what_it_looks_for() -> None:
    assert _mentions(ROOT / "lib/sources/catalog.py")  # the catalog does name them
    assert _mentions(ROOT / "defs/resources/sources.py")
