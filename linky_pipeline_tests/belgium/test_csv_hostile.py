"""Hostile and odd Belgian CSV files (issue 17 §6): one data row, oversized cells, CR-only line endings, csv module
failures. Every refusal is a typed BelgianImportError naming file, line and field; nothing else escapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.sources.belgium.csv_export import detect_ean, parse_quarter_hour_csv
from linky_pipeline.lib.sources.belgium.errors import BelgianError, BelgianImportError
from linky_pipeline.lib.sync.csv_import import import_csv
from linky_pipeline_tests.support.belgian_files import EAN, fixture_text

HEADER = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description"
)
ROW = f'28/10/2023;00:00:00;28/10/2023;00:15:00;="{EAN}";1SAG1;Digital meter;Offtake Day;0,100;kWh;Read;'


def test_a_file_with_exactly_one_data_row_is_imported(
    db: psycopg.Connection, be_building: Callable[..., str], tmp_path: Path
) -> None:
    code = be_building()
    for name, text in (("one.csv", f"{HEADER}\n{ROW}\n"), ("one-no-eol.csv", f"{HEADER}\n{ROW}")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        report = import_csv(db, code, path)
        assert [(m.direction, m.rows_in_file) for m in report.months] == [("consumption", 1)]
    db.commit()
    assert db.execute("SELECT jsonb_array_length(payload->'rows') FROM raw_load_curves").fetchall() == [(1,)]


def test_cr_only_line_endings_parse_like_lf() -> None:
    lf = fixture_text("fallback_2023-10_en.csv")
    cr = lf.replace("\r\n", "\n").replace("\n", "\r")
    assert "\n" not in cr
    assert parse_quarter_hour_csv(cr, ean=EAN).equals(parse_quarter_hour_csv(lf, ean=EAN))
    assert detect_ean(cr) == EAN


def test_a_150_000_character_cell_names_file_line_and_column() -> None:
    huge = ROW.replace(";1SAG1;", ";" + "9" * 150_000 + ";")
    with pytest.raises(BelgianImportError) as caught:
        parse_quarter_hour_csv(f"{HEADER}\n{ROW}\n{huge}\n", ean=EAN, file="export.csv")
    error = caught.value
    assert (error.file, error.line, error.field) == ("export.csv", 3, "Meter")
    assert str(error).startswith("file export.csv, line 3: invalid Meter '9999") and len(str(error)) < 300
    medium = ROW.replace(";Digital meter;", ";" + "x" * 5_000 + ";")  # under the csv module's limit, over ours
    with pytest.raises(BelgianImportError) as caught:
        parse_quarter_hour_csv(f"{HEADER}\n{medium}\n", ean=EAN, file="export.csv")
    assert (caught.value.line, caught.value.field) == (2, "Meter type") and "5000 characters" in str(caught.value)
    # a volume written as a 5 000-digit number is read (it overflows to infinity) and quarantined by the importer
    overflow = ROW.replace(";0,100;", ";" + "1" * 5_000 + ";")
    assert parse_quarter_hour_csv(f"{HEADER}\n{overflow}\n", ean=EAN)["kwh"].tolist() == [float("inf")]


def test_csv_module_errors_are_typed(tmp_path: Path, db: psycopg.Connection, be_building: Callable[..., str]) -> None:
    code = be_building()
    path = tmp_path / "broken.csv"
    path.write_text(f"{HEADER}\n{ROW}\n" + ROW.replace("Read", "Re" + "a" * 140_000) + "\n", encoding="utf-8")
    with pytest.raises(BelgianImportError) as caught:
        import_csv(db, code, path)
    assert (caught.value.file, caught.value.line, caught.value.field) == ("broken.csv", 3, "Validation status")
    assert "unreadable CSV (field larger than field limit" in str(caught.value)
    db.rollback()
    assert db.execute("SELECT count(*) FROM raw_load_curves").fetchone() == (0,)


_ALPHABET = st.sampled_from(list(';"\r\n,=/:0123456789 aAeEkKhHrRdDxX\ufeff\x00\t'))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=st.integers(0, len(ROW)),
    inserted=st.text(_ALPHABET, max_size=8),
    header=st.booleans(),
    newline=st.sampled_from(["\n", "\r", "\r\n", ""]),
    rows=st.integers(1, 3),
)
def test_mutated_files_either_parse_or_raise_a_typed_error(
    at: int, inserted: str, header: bool, newline: str, rows: int
) -> None:
    mutated = ROW[:at] + inserted + ROW[at:]
    text = (HEADER + newline if header else "") + newline.join([ROW] * (rows - 1) + [mutated]) + newline
    try:
        frame = parse_quarter_hour_csv(text, ean=detect_ean(text, file="fuzz.csv"), file="fuzz.csv")
    except BelgianError as exc:
        assert isinstance(exc, BelgianImportError) and exc.file == "fuzz.csv" and exc.line is not None
        return
    except InvalidValueError:  # the EAN cell itself was mutated into a wrong GS1 number
        return
    assert frame["kwh"].ge(0).all() and frame["ts"].is_unique
