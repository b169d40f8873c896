"""A building-month's rows of a per-day table made equal to the rows a whole-month rebuild writes, writing only
the ones that differ, in one statement.

The stored rows are read with a flag saying whether their local columns (day_start, peak_at_local: functions of the
day and the building's zone) hold what the insert would write; a row is rewritten when a value differs (floats
compared by their exact representation, so -0.0 is not 0.0) or that flag is false; a stored row the rebuild does
not produce is deleted. Generated columns follow from the day. The table therefore ends identical to a delete of
the month and an insert of every row, whatever changed it meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.tables.reading_inputs import DayKey

Row = tuple[Any, ...]  # the table's written columns, starting with building_code, meter_pk, ..., day


@dataclass
class RowsWrite:
    """What a rebuild of one table's building-month did."""

    rows: int = 0  # rows of the month the table holds afterwards
    written: int = 0  # rows inserted or updated
    deleted: int = 0
    answers: int = 0  # landed answers of the table's endpoints overlapping the month
    parsed: int = 0  # of which parsed (or read from the parse cache) by this rebuild

    def add(self, other: RowsWrite) -> None:
        self.rows += other.rows
        self.written += other.written
        self.deleted += other.deleted
        self.answers += other.answers
        self.parsed += other.parsed


def _canonical(row: Row) -> Row:
    return tuple(repr(float(v)) if isinstance(v, float) else v for v in row)


def write_changed_rows(
    conn: psycopg.Connection,
    bm: BuildingMonth,
    meter_pks: list[int],
    rows: Sequence[Row],
    key_of: tuple[int, int],
    select_sql: str,
    write_sql: str,
    columns: Sequence[str],
) -> RowsWrite:
    """Make the stored rows of these meters' month equal to `rows`. `key_of`: positions of meter_pk and day in a
    row; `select_sql` returns each stored row's columns in `columns` order then the local-columns flag;
    `write_sql` deletes (`gone_meters`, `gone_days`) and upserts (one array parameter per column) at once."""
    stored: dict[DayKey, tuple[Row, bool]] = {}
    params = {"meters": meter_pks, "start": bm.month, "end": bm.next_month}
    for r in conn.execute(select_sql, params).fetchall():
        values = tuple(r[:-1])
        stored[(values[key_of[0]], values[key_of[1]])] = (_canonical(values), bool(r[-1]))
    wanted: dict[DayKey, Row] = {(row[key_of[0]], row[key_of[1]]): row for row in rows}
    upserts = [
        row
        for key, row in wanted.items()
        if (found := stored.get(key)) is None or not found[1] or found[0] != _canonical(row)
    ]
    gone: list[DayKey] = sorted(k for k in stored if k not in wanted)
    done = RowsWrite(rows=len(wanted), written=len(upserts), deleted=len(gone))
    if upserts or gone:
        arrays: dict[str, list[Any]] = {c: [row[i] for row in upserts] for i, c in enumerate(columns)}
        gone_days: list[date] = [k[1] for k in gone]
        conn.execute(write_sql, {**arrays, "gone_meters": [k[0] for k in gone], "gone_days": gone_days})
    return done
