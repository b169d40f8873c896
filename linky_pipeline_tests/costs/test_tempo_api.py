"""Tempo colours fetched over HTTP from the sandbox's emulation of RTE's API, through the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main
from linky_pipeline.lib.tariffs.rte_tempo import RteTempoClient, TempoApiError
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings
from linky_pipeline.sandbox.tempo import colour_of


@pytest.fixture
def rte() -> SandboxServer:
    server = SandboxServer(settings=SandboxSettings(today=date(2026, 11, 23)))
    server.start()
    yield server
    server.stop()


def test_a_season_has_rte_counts_and_unpublished_days_are_absent(rte: SandboxServer) -> None:
    client = RteTempoClient(rte.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    try:
        season = client.colours(date(2025, 9, 1), date(2026, 9, 1))  # 365 days: one call
        assert Counter(season.values()) == {"RED": 22, "WHITE": 43, "BLUE": 300}
        assert all(d.weekday() < 5 and d.month in (12, 1, 2) for d, c in season.items() if c == "RED")
        assert all(c == "BLUE" for d, c in season.items() if d.weekday() == 6)  # Sundays are blue
        recent = client.colours(date(2026, 11, 1), date(2026, 12, 1))
        assert max(recent) == date(2026, 11, 23)  # colours are known up to today, not beyond
        long = client.colours(date(2024, 1, 1), date(2026, 1, 1))  # two years: split into calls of ≤ 366 days
        assert len(long) == 731 and long[date(2025, 1, 15)] == colour_of(date(2025, 1, 15))
    finally:
        client.close()
    with pytest.raises(TempoApiError, match="HTTP 401"):
        RteTempoClient(rte.url, SANDBOX_CLIENT_ID, "wrong-secret").colours(date(2026, 1, 1), date(2026, 1, 2))


def test_cli_fetch_stores_colours_once(
    rte: SandboxServer, warehouse_env: str, db: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    args = ["tariffs", "tempo", "fetch", "--from", "2026-01-01", "--to", "2026-01-31"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "set LINKY_RTE_API_BASE" in result.output
    monkeypatch.setenv("LINKY_RTE_API_BASE", rte.url)
    monkeypatch.setenv("LINKY_RTE_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("LINKY_RTE_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "31 day(s) known from the API, 31 new or changed" in result.output
    assert runner.invoke(main, args).output.endswith("0 new or changed\n")
    db.rollback()
    stored = dict(db.execute("SELECT day, colour FROM tempo_days").fetchall())
    assert stored == {d: colour_of(d) for d in stored} and len(stored) == 31
    assert SANDBOX_CLIENT_SECRET not in result.output
