"""Registry commands as a user types them, on the real database: errors are one line and write nothing."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main


@pytest.fixture
def run(warehouse_env: str, db: psycopg.Connection):
    runner = CliRunner()

    def _run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return _run


def _count(db: psycopg.Connection, table: str) -> int:
    db.rollback()
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_add_list_remove_building_and_meters(run, db: psycopg.Connection) -> None:
    assert run("buildings", "add", "res-verte", "--name", "Résidence Verte")[0] == 0
    code, out = run(
        "meters", "add", "--building", "res-verte", "--meter", "22516914714270", "--activation-date", "2019-08-27"
    )
    assert code == 0, out
    assert (
        run(
            "meters",
            "add",
            "--building",
            "res-verte",
            "--provider",
            "ores",
            "--meter",
            "541448820052377134",
            "--direction",
            "production",
        )[0]
        == 0
    )
    code, out = run("meters", "list", "--building", "res-verte")
    assert code == 0
    assert "22516914714270\tconsumption\tactive\t2019-08-27" in out
    assert "541448820052377134\tproduction" in out
    code, out = run("meters", "disable", "--meter", "22516914714270")
    assert code == 0 and "disabled enedis/22516914714270" in out
    assert db.execute("SELECT status FROM meters WHERE meter_id = '22516914714270'").fetchone() == ("disabled",)
    code, out = run("buildings", "remove", "res-verte")
    assert code == 2 and "has 2 meter(s)" in out
    assert run("buildings", "add", "empty", "--name", "Empty")[0] == 0
    assert run("buildings", "remove", "empty")[0] == 0
    assert "empty" not in run("buildings", "list")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("meters", "add", "--building", "b1", "--meter", "2251691471427"),
            "invalid PRM '2251691471427': a PRM has exactly 14 digits; got 13 digits",
        ),
        (
            ("meters", "add", "--building", "b1", "--meter", "3000000000001A"),
            "invalid PRM '3000000000001A': a PRM has exactly 14 digits; character 14 ('A') is not a digit",
        ),
        (
            ("meters", "add", "--building", "b1", "--meter", "22516 14714270"),
            "character 6 (' ') is not a digit",
        ),
        (
            ("meters", "add", "--building", "b1", "--provider", "ores", "--meter", "54144882005237713x"),
            "invalid EAN '54144882005237713x': an EAN has exactly 18 digits; character 18 ('x') is not a digit",
        ),
        (
            ("meters", "add", "--building", "b1", "--provider", "ores", "--meter", "541448030003312345"),
            "invalid EAN '541448030003312345': wrong GS1 check digit",
        ),
        (("meters", "add", "--building", "nope", "--meter", "22516914714270"), "unknown building 'nope'"),
        (
            ("meters", "add", "--building", "b1", "--meter", "22516914714270", "--direction", "both"),
            "invalid direction 'both'",
        ),
        (
            ("meters", "add", "--building", "b1", "--meter", "22516914714270", "--provider", "edf"),
            "invalid provider 'edf'",
        ),
        (
            ("meters", "add", "--building", "b1", "--meter", "22516914714270", "--activation-date", "27/08/2019"),
            "invalid activation date '27/08/2019'",
        ),
        (("buildings", "add", "Bad|Code", "--name", "x"), "invalid building code 'Bad|Code'"),
        (("buildings", "add", "b2", "--name", "x", "--timezone", "UTC"), "invalid timezone 'UTC'"),
        (("meters", "disable", "--meter", "99999999999999"), "unknown meter '99999999999999'"),
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(run, db: psycopg.Connection, args, message) -> None:
    assert run("buildings", "add", "b1", "--name", "B1")[0] == 0
    before = (_count(db, "buildings"), _count(db, "meters"))
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out
    assert (_count(db, "buildings"), _count(db, "meters")) == before


def test_duplicate_meter_is_refused(run) -> None:
    run("buildings", "add", "b1", "--name", "B1")
    assert run("meters", "add", "--building", "b1", "--meter", "22516914714270")[0] == 0
    code, out = run("meters", "add", "--building", "b1", "--meter", "22516914714270")
    assert code == 2 and "already registered" in out


def test_missing_database_url_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKY_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["buildings", "list"])
    assert result.exit_code == 2
    assert "LINKY_DATABASE_URL is not set" in result.output


@pytest.mark.parametrize(
    "name", ["Résidence\r\nBcc: spy@evil.example", "Line\nbreak", "Nul\x00byte", "Sep\u2028arator"]
)
def test_a_building_name_with_a_line_break_is_refused_naming_the_field(run, db: psycopg.Connection, name: str) -> None:
    """Issue 17: accepted before, it made every e-mail of the building die after its retries (a header cannot
    hold CR/LF) and could inject headers."""
    code, out = run("buildings", "add", "res-verte", "--name", name)
    assert code == 2
    assert "invalid building name" in out and "control character or line break" in out
    assert _count(db, "buildings") == 0
    if "\n" in name:  # and any other writer is refused by the table
        with pytest.raises(psycopg.errors.CheckViolation):
            db.execute("INSERT INTO buildings (code, name) VALUES ('x', %s)", (name,))


def test_erasing_an_unknown_building_is_a_usage_error_of_one_line(run) -> None:
    code, out = run("buildings", "erase", "nowhere", "--yes")
    assert code == 2
    assert out.strip() == "Error: unknown building 'nowhere'"
