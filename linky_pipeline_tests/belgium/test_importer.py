"""Importing CSV exports into the real warehouse: landing, checksums, idempotence, merge, nothing partial, CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.commands.belgium import import_csv_command
from linky_pipeline.lib.sources.belgium import payload as pl
from linky_pipeline.lib.sources.belgium.errors import BelgianCsvError, BelgianImportError
from linky_pipeline.lib.sync.csv_import import import_csv
from linky_pipeline_tests.support.belgian_files import EAN, FIXTURES, fixture_text

Snapshot = list[tuple]


def _raw(db: psycopg.Connection) -> Snapshot:
    return db.execute(
        "SELECT m.direction, r.endpoint, r.window_start, r.window_end, r.api_version, r.http_status, "
        "r.request, r.payload, r.payload_sha256, r.fetched_at FROM raw_load_curves r "
        "JOIN meters m ON m.id = r.meter_pk ORDER BY 1, 3"
    ).fetchall()


def test_import_lands_one_row_per_meter_and_month_with_checksums(
    db: psycopg.Connection, be_building: Callable[..., str]
) -> None:
    code = be_building()
    report = import_csv(db, code, FIXTURES / "spring_2024-03_nl.csv")
    db.commit()
    landed = {(m.direction, m.month): m.rows_in_file for m in report.months}
    assert landed == {
        ("consumption", date(2024, 2, 1)): 4,
        ("consumption", date(2024, 3, 1)): 92,
        ("production", date(2024, 3, 1)): 24,
    }
    rows = _raw(db)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("consumption", date(2024, 2, 1), date(2024, 3, 1)),
        ("consumption", date(2024, 3, 1), date(2024, 4, 1)),
        ("production", date(2024, 3, 1), date(2024, 4, 1)),
    ]
    for direction, endpoint, _, _, api_version, status, request, payload, sha, _ in rows:
        assert (endpoint, api_version, status) == ("quarter_hour_csv", "be-csv-v1", 200)
        assert request == {"file": "spring_2024-03_nl.csv", "sha256": report.sha256}
        assert payload["ean"] == EAN and payload["direction"] == direction
        assert sha == pl.sha256_of(payload)  # the stored document hashes to its checksum
    march = rows[1][7]["rows"]
    assert march[0][:2] == ["2024-03-31T00:00:00+01:00", "2024-03-31T00:15:00+01:00"]
    assert ["2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00"] in [r[:2] for r in march]


def test_reimporting_the_same_file_changes_nothing(db: psycopg.Connection, be_building: Callable[..., str]) -> None:
    code = be_building()
    import_csv(db, code, FIXTURES / "fallback_2023-10_en.csv")
    db.commit()
    before = _raw(db)
    again = import_csv(db, code, str(FIXTURES / "fallback_2023-10_en.csv"))
    db.commit()
    assert [m.changed for m in again.months] == [False, False]
    assert _raw(db) == before  # fetched_at included


def test_an_overlapping_later_file_is_merged_newer_values_win(
    db: psycopg.Connection, be_building: Callable[..., str]
) -> None:
    code = be_building(directions=("consumption",))
    import_csv(db, code, FIXTURES / "merge_first_en.csv")
    second = import_csv(db, code, FIXTURES / "merge_second_en.csv")
    db.commit()
    assert [(m.rows_in_file, m.rows_stored, m.changed) for m in second.months] == [(4, 6, True)]
    (row,) = _raw(db)
    stored = row[7]["rows"]
    assert [(r[0][11:16], r[2], r[3]) for r in stored] == [
        ("00:00", 0.1, "read"),
        ("00:15", 0.1, "read"),
        ("00:30", 0.2, "validated"),
        ("00:45", 0.2, "validated"),
        ("01:00", 0.2, "validated"),
        ("01:15", 0.2, "validated"),
    ]
    assert row[6]["file"] == "merge_second_en.csv"
    assert row[8] == pl.sha256_of(row[7])


def test_bad_input_writes_nothing(db: psycopg.Connection, be_building: Callable[..., str]) -> None:
    code = be_building(directions=("consumption",))
    text = fixture_text("fallback_2023-10_en.csv")
    lines = text.splitlines()
    lines[-1] = lines[-1].replace("0,000;kWh", "0,000;kVArh")
    with pytest.raises(BelgianCsvError) as caught:
        import_csv(db, code, "\n".join(lines) + "\n")
    assert (caught.value.field, caught.value.line) == ("Unit", len(lines))
    with pytest.raises(BelgianImportError, match="production energy"):
        import_csv(db, code, text)  # injection is non-zero but there is no production meter
    with pytest.raises(BelgianImportError, match="unknown building"):
        import_csv(db, "nowhere", text)
    db.commit()
    assert _raw(db) == []


def test_all_zero_injection_without_production_meter_is_skipped(
    db: psycopg.Connection, be_building: Callable[..., str]
) -> None:
    code = be_building(directions=("consumption",))
    zero_injection = fixture_text("gaps_en.csv").replace("Offtake Day;0,000", "Injection Day;0,000")
    report = import_csv(db, code, zero_injection, ean=EAN)
    assert [m.direction for m in report.months] == ["consumption"]
    assert report.skipped and "production" in report.skipped[0]


def test_cli_import_prints_months_and_refuses_bad_files_in_one_line(
    db: psycopg.Connection, be_building: Callable[..., str], warehouse_env: str, tmp_path: Path
) -> None:
    code = be_building()
    runner = CliRunner()
    ok = runner.invoke(import_csv_command, ["--building", code, str(FIXTURES / "spring_2024-03_nl.csv")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines() == [
        f"{EAN}\tconsumption\t2024-02\t4 rows from file\t4 rows stored\tlanded",
        f"{EAN}\tconsumption\t2024-03\t92 rows from file\t92 rows stored\tlanded",
        f"{EAN}\tproduction\t2024-03\t24 rows from file\t24 rows stored\tlanded",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(fixture_text("merge_first_en.csv").replace("0,100", "0,1x", 1), encoding="utf-8")
    refused = runner.invoke(import_csv_command, ["--building", code, str(bad)])
    assert refused.exit_code == 2
    assert refused.output.strip().splitlines() == [
        "Error: file bad.csv, line 3: invalid Volume '0,1x': expected a number of kWh with a decimal comma, e.g. 0,173"
    ]
    wrong_ean = runner.invoke(import_csv_command, ["--building", code, "--ean", "541448820052377141", str(bad)])
    assert wrong_ean.exit_code == 2 and "EAN code" in wrong_ean.output
    db.rollback()
    assert len(_raw(db)) == 3
