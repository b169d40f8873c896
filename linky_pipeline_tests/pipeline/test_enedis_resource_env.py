"""The Enedis resource reads its API mode and per-API quotas from the environment the local stack, compose and
.env.example set (an empty variable, as compose passes an unset one, keeps the default)."""

from __future__ import annotations

import dagster as dg
import pytest

from linky_pipeline.defs.resources.definitions import resources
from linky_pipeline.lib.sources.ratelimit import QuotaLimits

BASE_ENV = {
    "LINKY_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
    "LINKY_ENEDIS_API_BASE": "http://127.0.0.1:9",
    "LINKY_ENEDIS_CLIENT_ID": "id",
    "LINKY_ENEDIS_CLIENT_SECRET": "secret",
}


def _enedis(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> object:
    for name, value in {**BASE_ENV, **env}.items():
        monkeypatch.setenv(name, value)
    configured = resources().resources["enedis"]
    with dg.build_resources({"enedis": configured}) as built:
        return built.enedis


def test_defaults_are_the_2026_api_and_1000_calls_per_hour_per_api(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LINKY_ENEDIS_API_MODE", "LINKY_ENEDIS_CALLS_PER_HOUR", "LINKY_QUOTA_TIME_SCALE"):
        monkeypatch.delenv(name, raising=False)
    enedis = _enedis(monkeypatch, {"LINKY_ENEDIS_QUOTA_OVERRIDES": ""})
    assert enedis.api_mode == "2026-v2"
    book = enedis.quotas()
    assert book.limits("consumption_load_curve") == QuotaLimits(per_second=5, per_hour=1000, burst=1, margin=0.02)
    assert book.prefix == "enedis:"


def test_quota_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    enedis = _enedis(
        monkeypatch,
        {
            "LINKY_ENEDIS_API_MODE": "v5",
            "LINKY_ENEDIS_CALLS_PER_HOUR": "1200",
            "LINKY_ENEDIS_QUOTA_OVERRIDES": "daily_consumption=2000/h;*=4/s",
            "LINKY_QUOTA_TIME_SCALE": "1000",  # what the local stack writes for a scaled benchmark
        },
    )
    assert enedis.api_mode == "v5"
    book = enedis.quotas()
    assert book.limits("consumption_load_curve") == QuotaLimits(4, 1200, burst=1, time_scale=1000, margin=0.02)
    assert book.limits("daily_consumption") == QuotaLimits(4, 2000, burst=1, time_scale=1000, margin=0.02)
