"""ORES in the provider interface: identifiers, endpoints, horizon, quota, auth; the catalog lists it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.sources import catalog
from linky_pipeline.lib.sources.errors import SourceConfigError, WindowError
from linky_pipeline.lib.sources.ores.provider import ORES
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.user_tokens import TokenSet
from linky_pipeline.sandbox.ores.meters import DEMO_EAN, SEED_PRM


def test_ores_accepts_the_seeds_prm_and_belgian_eans() -> None:
    assert ids.meter_id("ores", SEED_PRM) == SEED_PRM
    assert ids.meter_id("ores", DEMO_EAN) == DEMO_EAN
    assert ids.meter_id("ores", "541448820052377134") == "541448820052377134"  # a real Fluvius EAN


@pytest.mark.parametrize(
    ("provider", "value", "message"),
    [
        ("ores", "541448030003312345", "invalid EAN '541448030003312345': wrong GS1 check digit"),
        (
            "ores",
            "3000123456789",
            "invalid PRM or EAN '3000123456789': ores meters are identified by a PRM (14 digits) or an EAN "
            "(18 digits) (got 13 characters)",
        ),
        ("ores", "3000123456789a", "invalid PRM '3000123456789a': a PRM has exactly 14 digits"),
        ("enedis", DEMO_EAN, "invalid PRM"),
        ("be_csv", SEED_PRM, "invalid EAN"),
        ("fluvius", SEED_PRM, "invalid provider 'fluvius'"),
    ],
)
def test_identifier_errors_name_the_form_and_value(provider: str, value: str, message: str) -> None:
    with pytest.raises(ids.InvalidValueError) as info:
        ids.meter_id(provider, value)
    assert str(info.value).startswith(message)


def test_static_facts() -> None:
    assert catalog.provider("ores") is ORES
    assert ORES.endpoints_for("consumption") == ("consumption_load_curve",)
    assert ORES.endpoints_for("production") == ("production_load_curve",)
    facts = ORES.endpoint("production_load_curve")
    assert (facts.kind, facts.metric, facts.max_days) == ("curve", "production", 7)
    with pytest.raises(WindowError, match="daily_consumption"):
        ORES.endpoint("daily_consumption")
    assert ORES.horizon_start("consumption_load_curve", date(2026, 11, 23)) == date(2024, 11, 23)
    assert ORES.horizon_start("consumption_load_curve", date(2026, 3, 31)) == date(2024, 3, 31)
    assert ORES.auth == "per_meter" and ORES.timezone.key == "Europe/Brussels"
    assert (ORES.quota.per_second, ORES.quota.scope) == (0.5, "building")
    assert ORES.quota.key("ores", "maison-liege") == "ores:maison-liege"
    assert catalog.provider("enedis").quota.key("enedis", "maison-liege") == "enedis"
    assert "ores" in catalog.FETCHED_PROVIDERS and "ores" in catalog.CONSENT_PROVIDERS
    assert catalog.consent_variants("ores") == ("oauth2",) and catalog.consent_variants("be_csv") == ()
    assert set(catalog.PROVIDERS) == set(ids.PROVIDERS)  # the registry and the catalog agree


def test_settings_from_the_seeds_environment_variables() -> None:
    env = {
        "LINKY_ORES_CLIENT_ID": " cid ",
        "LINKY_ORES_CLIENT_SECRET": "shh-secret",
        "LINKY_ORES_BASE_URL": "https://ores.example/",
        "LINKY_ORES_REDIRECT_URI": "https://app.example/auth/linky/callback",
    }
    settings = OresSettings.from_env(env)
    assert (settings.client_id, settings.base_url) == ("cid", "https://ores.example")
    assert settings.redirect_uri == "https://app.example/auth/linky/callback"
    assert (settings.window_days, settings.calls_per_second) == (7, 0.5)
    assert "shh-secret" not in repr(settings)
    with pytest.raises(SourceConfigError, match="LINKY_ORES_CLIENT_SECRET, LINKY_ORES_BASE_URL"):
        OresSettings.from_env({"LINKY_ORES_CLIENT_ID": "x"})
    with pytest.raises(SourceConfigError, match="window_days=0"):
        OresSettings(base_url="http://x", client_id="a", client_secret="b", window_days=0)
    with pytest.raises(SourceConfigError, match="expected an http"):
        OresSettings(base_url="ftp://x", client_id="a", client_secret="b")
    with pytest.raises(SourceConfigError, match="imported from files"):
        catalog.consent_api("be_csv", building="b", environ={})


def test_a_token_is_renewed_before_it_expires_but_not_before_every_call() -> None:
    issued = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    hour = TokenSet("a", "r", issued + timedelta(hours=1), issued)
    margin = timedelta(seconds=60)
    assert not hour.expiring(issued + timedelta(minutes=58, seconds=59), margin)
    assert hour.expiring(issued + timedelta(minutes=59), margin)
    minute = TokenSet("a", "r", issued + timedelta(seconds=60), issued)  # lives less than twice the margin
    assert not minute.expiring(issued + timedelta(seconds=29), margin)
    assert minute.expiring(issued + timedelta(seconds=30), margin)
    unknown_issue = TokenSet("a", "r", issued + timedelta(seconds=60))
    assert unknown_issue.expiring(issued, margin)
    assert not TokenSet("a", "r", None).expiring(issued + timedelta(days=400), margin)
    assert "'a'" not in repr(hour) and "'r'" not in repr(hour)
