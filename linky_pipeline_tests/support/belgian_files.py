"""The Belgian CSV export files the tests import, and their meter's EAN."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "belgium" / "fixtures"
EAN = "541448820052377134"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
