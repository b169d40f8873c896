"""`linky-pipeline tariffs …` as a user types it: typed one-line errors naming field and value, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main
from linky_pipeline.lib.tariffs.validate import TariffError, build_tariff, parse_price, parse_subscription

HPHC = ["--kind", "hphc", "--price", "HP=0.2700", "--price", "HC=20.68 c€/kWh", "--subscription", "15.65 €/month"]


@pytest.fixture
def run(warehouse_env: str, db: psycopg.Connection):
    runner = CliRunner()

    def _run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    assert run_ok(_run, "buildings", "add", "res", "--name", "Résidence")
    assert run_ok(_run, "meters", "add", "--building", "res", "--meter", "22516914714270")
    return _run


def run_ok(run, *args: str) -> bool:
    code, out = run(*args)
    assert code == 0, out
    return True


def _count(db: psycopg.Connection, table: str) -> int:
    db.rollback()
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_add_list_remove(run, db: psycopg.Connection) -> None:
    code, out = run(
        "tariffs", "add", "--building", "res", "--name", "HP/HC 2026", "--from", "2026-01-01", "--to", "2026-08-01",
        *HPHC, "--offpeak", "01:34-07:34", "--offpeak", "12:04-14:04", "--subscribed-kva", "9 kVA",
    )  # fmt: skip
    assert code == 0, out
    assert "HC=0.206800" in out and "01:34-07:34 12:04-14:04" in out and "9.00 kVA" in out
    code, out = run(
        "tariffs", "add", "--building", "res", "--meter", "22516914714270", "--name", "Tempo", "--kind", "tempo",
        "--from", "2026-08-01", "--subscription", "187.80 €/year",
        *[f"--price={c}_{p}=0.15" for c in ("BLUE", "WHITE", "RED") for p in ("HP", "HC")],
    )  # fmt: skip
    assert code == 0, out
    assert "15.6500 €/month" in out and "22:00-06:00" in out  # Tempo's off-peak hours by default
    code, out = run("tariffs", "list", "--building", "res")
    assert code == 0 and len(out.strip().splitlines()) == 2
    assert _count(db, "tariff_prices") == 8 and _count(db, "tariff_offpeak_ranges") == 3
    first_id = out.splitlines()[0].split("\t")[0]
    assert run("tariffs", "remove", first_id)[0] == 0
    assert _count(db, "tariffs") == 1 and _count(db, "tariff_prices") == 6


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--offpeak", "01:34-07:74"], "invalid off-peak range '01:34-07:74'"),
        (["--offpeak", "01:00-07:00", "--offpeak", "06:30-08:00"], "invalid off-peak range '06:30-08:00': overlaps"),
        (["--offpeak", "01:00-07:00", "--price", "BASE=0.2"], "invalid price period 'BASE'"),
        (["--offpeak", "01:00-07:00", "--subscription", "15 kWh"], "invalid subscription '15 kWh'"),
        (["--offpeak", "01:00-07:00", "--subscribed-kva", "9 kW"], "invalid subscribed power '9 kW'"),
        (["--offpeak", "01:00-07:00", "--to", "2025-12-31"], "invalid valid to '2025-12-31'"),
        (["--offpeak", "01:00-07:00", "--meter", "12345678901234"], "invalid meter '12345678901234'"),
        ([], "invalid off-peak range '': an hphc tariff needs at least one"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(run, db: psycopg.Connection, extra, message) -> None:
    args = ["tariffs", "add", "--building", "res", "--name", "x", "--from", "2026-01-01", *HPHC, *extra]
    # click keeps the last value of a repeated single option, so a later --subscription replaces the good one
    code, out = run(*args)
    assert code == 2, out
    assert message in out
    assert _count(db, "tariffs") == 0


def test_overlaps_and_gaps_are_refused(run, db: psycopg.Connection) -> None:
    base = ["tariffs", "add", "--building", "res", "--name", "x", *HPHC, "--offpeak", "22:00-06:00"]
    assert run(*base, "--from", "2026-01-01", "--to", "2026-07-01")[0] == 0
    code, out = run(*base, "--from", "2026-06-01", "--to", "2026-09-01")
    assert code == 2 and "invalid valid from '2026-06-01': overlaps tariff" in out
    code, out = run(*base, "--from", "2026-08-01")
    assert code == 2 and "leaves 2026-07-01 .. 2026-08-01 without a tariff" in out
    assert run(*base, "--from", "2026-08-01", "--allow-gap")[0] == 0
    assert run(*base, "--from", "2026-07-01", "--to", "2026-08-01")[0] == 0  # fills the gap
    middle = [line.split("\t")[0] for line in run("tariffs", "list")[1].splitlines() if "2026-07-01.." in line]
    code, out = run("tariffs", "remove", middle[0])
    assert code == 2 and "without a tariff" in out
    assert _count(db, "tariffs") == 3


def test_tempo_file_load(run, db: psycopg.Connection, tmp_path: Path) -> None:
    good = tmp_path / "tempo.csv"
    good.write_text("\ufeffdate;couleur\n2026-01-05;BLEU\n06/01/2026;ROUGE\n2026-01-07;white\n", encoding="utf-8")
    code, out = run("tariffs", "tempo", "load", str(good))
    assert code == 0 and "3 day(s) read (2026-01-05..2026-01-07), 3 new or changed" in out
    assert run("tariffs", "tempo", "load", str(good))[1].endswith("0 new or changed\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("date;couleur\n2026-01-08;VERT\n", encoding="utf-8")
    code, out = run("tariffs", "tempo", "load", str(bad))
    assert code == 2 and "invalid tempo colour (line 2) 'VERT'" in out
    assert _count(db, "tempo_days") == 3


def test_units_are_converted_exactly() -> None:
    assert str(parse_price("HP", "25.16 c€/kWh")) == "0.251600"
    assert str(parse_price("HP", "251.6 €/MWh")) == "0.251600"
    assert str(parse_subscription("187.80 €/year")) == "15.6500"
    with pytest.raises(TariffError, match="implausible"):
        parse_price("HP", "25.16")
    with pytest.raises(TariffError, match="price HP"):
        parse_price("HP", "0.25 €")
    tariff = build_tariff(
        building_code="b", name="Base", kind="BASE", valid_from=__import__("datetime").date(2026, 1, 1),
        valid_to=None, subscription="10", prices={"base": "0.2"},
    )  # fmt: skip
    assert tariff.kind == "base" and tariff.offpeak == ()
