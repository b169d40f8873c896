"""Column documentation read from the migrations themselves, so it is written once: the `COMMENT ON COLUMN`s
(the `bi` views' comments are what BI users read) and the `--` notes beside a column's definition.

A table's column gets, in order of preference: its own COMMENT ON COLUMN, the comment of the same-named column
of a `bi` view that reads the table, the `--` note on its line in CREATE TABLE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from linky_pipeline.lib.store.migrations import load_migrations

_CREATE = re.compile(r"^CREATE TABLE (?:public\.)?([a-z_][a-z0-9_]*) \((.*?)^\);", re.M | re.S)
_COLUMN = re.compile(r"^ {4}([a-z_][a-z0-9_]*)\s+(.*)$")
_STOP = re.compile(r"\s+(?:NOT NULL|NULL|CHECK|PRIMARY|REFERENCES|DEFAULT|GENERATED|UNIQUE|CONSTRAINT)\b|,\s*(?:--|$)")
_ADD = re.compile(r"ALTER TABLE (?:public\.)?([a-z_][a-z0-9_]*)\s+((?:ADD COLUMN [^;]*?)+);", re.S)
_ADD_ONE = re.compile(r"ADD COLUMN ([a-z_][a-z0-9_]*)\s+(.*)$", re.M)
_COMMENT = re.compile(r"^COMMENT ON COLUMN ([a-z_][a-z0-9_.]*)\.([a-z_][a-z0-9_]*) IS '((?:[^']|'')*)';", re.M)
_VIEW = re.compile(r"^CREATE (?:OR REPLACE )?VIEW (bi\.[a-z_][a-z0-9_]*) AS(.*?);", re.M | re.S)
_READS = re.compile(r"\bpublic\.([a-z_][a-z0-9_]*)")
_DROP = re.compile(r"^DROP TABLE (?:public\.)?([a-z_][a-z0-9_]*);", re.M)
# a table replaced by a view keeps its name for readers (readings → a view over reading_days)
_PUBLIC_VIEW = re.compile(
    r"^CREATE (?:OR REPLACE )?VIEW (?:public\.)?([a-z_][a-z0-9_]*) AS\s+SELECT\s(.*?)^FROM ", re.M | re.S
)
_OUTPUT_NAME = re.compile(r"(?:\bAS\s+|\.|^)([a-z_][a-z0-9_]*)\s*$", re.S)
_KEYWORDS = {"constraint", "primary", "unique", "check", "foreign", "exclude"}


@dataclass(frozen=True)
class DocumentedColumn:
    name: str
    type: str
    description: str | None


@dataclass
class _Docs:
    columns: dict[str, list[tuple[str, str, str | None]]]  # table → (column, type, line note)
    comments: dict[tuple[str, str], str]  # (relation, column) → COMMENT ON COLUMN text
    readers: dict[str, list[str]]  # table → bi views that read it, in migration order
    dropped: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)  # columns of dropped tables


def _type_of(rest: str) -> tuple[str, str | None]:
    note = rest.split("--", 1)[1].strip() if "--" in rest else None
    code = rest.split("--", 1)[0]
    stop = _STOP.search(code)
    column_type = (code[: stop.start()] if stop else code).strip().rstrip(",").strip()
    return column_type, note


def _output_names(select_list: str) -> list[str]:
    """Output column names of a view's select list: the alias after AS, or the column of `alias.column`."""
    items, depth, current = [], 0, ""
    for char in select_list:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    names = []
    for item in items:
        match = _OUTPUT_NAME.search(item.strip())
        if match:
            names.append(match.group(1))
    return names


def _type_in(docs: _Docs, view: str, column: str) -> str:
    """A view column's type: the one it had in the table the view replaced, else a same-named table column's."""
    for name, column_type, _ in docs.dropped.get(view, []):
        if name == column:
            return column_type
    for columns in docs.columns.values():
        for name, column_type, _ in columns:
            if name == column:
                return column_type
    return "unknown"


@cache
def _docs() -> _Docs:
    docs = _Docs({}, {}, {})
    for migration in load_migrations():
        text = migration.sql
        for table, body in _CREATE.findall(text):
            cols = []
            for line in body.splitlines():
                match = _COLUMN.match(line)
                if match and match.group(1).lower() not in _KEYWORDS:
                    column_type, note = _type_of(match.group(2))
                    cols.append((match.group(1), column_type, note))
            docs.columns[table] = cols
        for table in _DROP.findall(text):
            dropped = docs.columns.pop(table, [])
            docs.dropped[table] = dropped
        for view, select_list in _PUBLIC_VIEW.findall(text):
            docs.columns[view] = [(name, _type_in(docs, view, name), None) for name in _output_names(select_list)]
        for table, clauses in _ADD.findall(text):
            for name, rest in _ADD_ONE.findall(clauses):
                docs.columns.setdefault(table, []).append((name, *_type_of(rest)))
        for relation, column, comment in _COMMENT.findall(text):
            relation = relation.removeprefix("public.")
            docs.comments[(relation, column)] = comment.replace("''", "'")
        for view, body in _VIEW.findall(text):
            for table in dict.fromkeys(_READS.findall(body)):
                docs.readers.setdefault(table, []).append(view)
    return docs


def table_schema(table: str) -> list[DocumentedColumn] | None:
    """The columns of a table created by the migrations, with their documentation; None if no migration creates
    it as a table (e.g. it became a view)."""
    docs = _docs()
    if table not in docs.columns:
        return None
    out = []
    for name, column_type, note in docs.columns[table]:
        from_views = [docs.comments[(v, name)] for v in docs.readers.get(table, []) if (v, name) in docs.comments]
        description = docs.comments.get((table, name)) or (from_views[0] if from_views else None) or note
        out.append(DocumentedColumn(name, column_type, description))
    return out
