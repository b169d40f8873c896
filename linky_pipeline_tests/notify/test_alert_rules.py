"""Alert rules: validation without a database, and `alerts add|list|remove` on the real one."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.commands.alerts import alerts
from linky_pipeline.lib.notify.rules import RuleValidationError, validate_rule
from linky_pipeline_tests.support.notify_seed import seed_building


def test_validate_normalises() -> None:
    spec = validate_rule(
        "res-verte",
        "Consumption",
        "150",
        "major",
        ["EMAIL", "webhook", "email"],
        [" syndic@example.org ", "https://hooks.example.org/linky?t=1"],
    )
    assert spec.metric == "consumption" and spec.severity == "Major"
    assert spec.threshold_percent == Decimal("150.00")
    assert spec.channels == ("email", "webhook")
    assert spec.recipients == ("syndic@example.org", "https://hooks.example.org/linky?t=1")


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [
        ("email", "syndic@example.org\r\nBcc: spy@evil.example"),
        ("email", "syndic@example.org\nX: y"),
        ("email", "a\x00b@example.org"),
        ("email", "a\u2028b@example.org"),
        ("webhook", "https://h.example.org/x\r\nHost: evil"),
    ],
)
def test_a_recipient_with_a_line_break_is_refused(channel: str, recipient: str) -> None:
    """Issue 17: a CR/LF in a recipient is a header injection (Bcc: …) and makes every message to it undeliverable;
    the error shows the value escaped, never with a raw line break."""
    with pytest.raises(RuleValidationError) as err:
        validate_rule("res-verte", "consumption", "120", "Minor", [channel], [recipient])
    assert err.value.field == "recipient" and err.value.value == recipient
    assert "control character or line break" in str(err.value) and "\n" not in str(err.value).replace("\\n", "")


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"metric": "water"}, "metric", "water"),
        ({"threshold_percent": "90"}, "threshold percent", "90"),
        ({"threshold_percent": "abc"}, "threshold percent", "abc"),
        ({"threshold_percent": "nan"}, "threshold percent", "nan"),
        ({"severity": "Huge"}, "severity", "Huge"),
        ({"channels": ["sms"]}, "channel", "sms"),
        ({"recipients": ["not-an-address"]}, "recipient", "not-an-address"),
        ({"recipients": ["ftp://x.org/h"]}, "recipient", "ftp://x.org/h"),
        ({"recipients": ["https://hooks.example.org/x"]}, "recipient", "https://hooks.example.org/x"),
        ({"channels": ["email", "webhook"]}, "channel", "webhook"),
        ({"building_code": "Bad Code"}, "building code", "Bad Code"),
    ],
)
def test_validate_rejects_with_field_and_value(kwargs: dict[str, object], field: str, value: str) -> None:
    args: dict[str, object] = {
        "building_code": "res-verte",
        "metric": "consumption",
        "threshold_percent": "120",
        "severity": "Minor",
        "channels": ["email"],
        "recipients": ["a@example.org"],
    }
    args.update(kwargs)
    with pytest.raises(RuleValidationError) as err:
        validate_rule(**args)  # type: ignore[arg-type]
    assert err.value.field == field and str(err.value.value) == value
    assert value in str(err.value)


@pytest.fixture
def run(warehouse_env: str, db: psycopg.Connection):
    runner = CliRunner()

    def _run(*args: str) -> tuple[int, str]:
        result = runner.invoke(alerts, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return _run


def _count(db: psycopg.Connection) -> int:
    db.rollback()
    return db.execute("SELECT count(*) FROM alert_rules").fetchone()[0]


def test_add_list_remove(run, db: psycopg.Connection) -> None:
    seed_building(db)
    db.commit()
    code, out = run(
        "add",
        "--building",
        "res-verte",
        "--threshold-percent",
        "150",
        "--severity",
        "Major",
        "--channel",
        "email",
        "--channel",
        "webhook",
        "--recipient",
        "syndic@example.org",
        "--recipient",
        "https://hooks.example.org/l",
    )
    assert code == 0, out
    assert "added alert rule" in out
    code, out = run("add", "--global", "--channel", "email", "--recipient", "ops@example.org")
    assert code == 0, out
    stored = db.execute(
        "SELECT building_code, threshold_percent, severity, channels, recipients FROM alert_rules ORDER BY id"
    ).fetchall()
    assert stored == [
        (
            "res-verte",
            Decimal("150.00"),
            "Major",
            ["email", "webhook"],
            ["syndic@example.org", "https://hooks.example.org/l"],
        ),
        (None, Decimal("120.00"), "Minor", ["email"], ["ops@example.org"]),
    ]
    code, out = run("list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split("\t")[1:3] == ["(global)", "consumption"]
    assert "res-verte\tconsumption\t150.00\tMajor\temail,webhook" in lines[1]
    rule_id = lines[1].split("\t")[0]
    assert run("remove", rule_id) == (0, f"removed alert rule {rule_id}\n")
    assert _count(db) == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--building", "nowhere", "--channel", "email", "--recipient", "a@example.org"], "'nowhere'"),
        (
            [
                "--building",
                "res-verte",
                "--channel",
                "email",
                "--recipient",
                "a@example.org",
                "--threshold-percent",
                "100",
            ],
            "'100'",
        ),
        (["--building", "res-verte", "--channel", "pigeon", "--recipient", "a@example.org"], "'pigeon'"),
        (["--building", "res-verte", "--channel", "email", "--recipient", "a@@x"], "'a@@x'"),
        (["--building", "res-verte", "--channel", "webhook", "--recipient", "a@example.org"], "'a@example.org'"),
        (["--building", "res-verte", "--global", "--channel", "email", "--recipient", "a@example.org"], "exactly one"),
        (["--channel", "email", "--recipient", "a@example.org"], "exactly one"),
    ],
)
def test_bad_values_exit_2_and_write_nothing(run, db: psycopg.Connection, args: list[str], needle: str) -> None:
    seed_building(db)
    db.commit()
    code, out = run("add", *args)
    assert code == 2, out
    assert needle in out
    assert _count(db) == 0


def test_remove_unknown_rule(run, db: psycopg.Connection) -> None:
    code, out = run("remove", "424242")
    assert code == 2 and "424242" in out
