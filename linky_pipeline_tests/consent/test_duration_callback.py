"""Consent duration limits and the redirect: parsing, refusals, the one-shot local listener."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from linky_pipeline.lib.consent.callback import CallbackListener, parse_redirect, redirect_base
from linky_pipeline.lib.consent.duration import check_consent_duration, parse_duration
from linky_pipeline.lib.consent.errors import CallbackError, ConsentRefusedError, InvalidDurationError
from linky_pipeline.lib.sources.enedis.consent import REDIRECT_PARAMS, split_prms

V5, V2026 = REDIRECT_PARAMS["v5"], REDIRECT_PARAMS["2026"]

pytestmark = pytest.mark.http

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("P3Y", datetime(2029, 11, 23, 12, 0, tzinfo=UTC)),
        ("P36M", datetime(2029, 11, 23, 12, 0, tzinfo=UTC)),
        ("P1Y2M3DT4H", datetime(2028, 1, 26, 16, 0, tzinfo=UTC)),
        ("P1095D", datetime(2029, 11, 22, 12, 0, tzinfo=UTC)),
        ("P2W", datetime(2026, 12, 7, 12, 0, tzinfo=UTC)),
    ],
)
def test_accepted_durations(text: str, end: datetime) -> None:
    assert check_consent_duration(text, NOW).after(NOW) == end


def test_month_end_clamps() -> None:
    assert parse_duration("P1M").after(datetime(2027, 1, 31, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)


@pytest.mark.parametrize("text", ["P37M", "P3Y1D", "P4Y", "P1097D", "P3YT1S"])
def test_longer_than_three_years_is_rejected(text: str) -> None:
    with pytest.raises(InvalidDurationError, match=f"{text}.*exceeds the maximum consent duration P3Y"):
        check_consent_duration(text, NOW)


@pytest.mark.parametrize("text", ["", "3Y", "P", "PT", "P1.5Y", "P-1Y", "P1YT", "P0D"])
def test_malformed_durations(text: str) -> None:
    with pytest.raises(InvalidDurationError, match="duration"):
        parse_duration(text)


def test_split_prms() -> None:
    assert split_prms("12345678901234;10284856584123") == ("12345678901234", "10284856584123")
    assert split_prms(" 1 , 2;2 ;") == ("1", "2")


def test_parse_v5_and_2026_redirects() -> None:
    v5 = parse_redirect("http://127.0.0.1:1/callback?code=abc&state=s1&usage_point_id=111%3B222", V5)
    assert (v5.params["code"], v5.state, split_prms(v5.params["usage_point_id"])) == ("abc", "s1", ("111", "222"))
    assert "abc" not in repr(v5)
    v26 = parse_redirect("http://127.0.0.1:1/callback?autorisation_id=A-1&state=s2", V2026)
    assert (v26.params["autorisation_id"], v26.state) == ("A-1", "s2")
    assert "A-1" not in repr(v26)


def test_redirect_base_is_the_uri_the_code_was_sent_to() -> None:
    assert redirect_base("http://127.0.0.1:8/callback?code=c&state=s#frag") == "http://127.0.0.1:8/callback"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("error=access_denied&state=s", "access_denied"),
        ("error=invalid_request&error_description=maximum_duration_exceeded&state=s", "invalid_request"),
    ],
)
def test_refusals(query: str, error: str) -> None:
    with pytest.raises(ConsentRefusedError) as info:
        parse_redirect(f"http://127.0.0.1:1/callback?{query}", V5)
    assert info.value.error == error
    assert error in str(info.value)


@pytest.mark.parametrize(
    ("query", "required", "missing"),
    [
        ("code=a&usage_point_id=1", V5, "'state'"),
        ("state=s&usage_point_id=1", V5, "'code'"),
        ("state=s&code=a", V5, "'usage_point_id'"),
        ("state=s", V2026, "'autorisation_id'"),
        ("state=s&code=", ("code",), "'code'"),
    ],
)
def test_incomplete_redirects(query: str, required: tuple[str, ...], missing: str) -> None:
    with pytest.raises(CallbackError, match=missing):
        parse_redirect(f"http://127.0.0.1:1/callback?{query}", required)


def test_listener_answers_html_and_returns_the_redirect() -> None:
    with CallbackListener() as listener:
        assert listener.url.startswith("http://127.0.0.1:") and listener.url.endswith("/callback")
        assert httpx.get(listener.url.replace("/callback", "/favicon.ico")).status_code == 404
        response = httpx.get(listener.url, params={"code": "c1", "state": "s1", "usage_point_id": "1"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Consent received" in response.text
        assert "c1" not in response.text
        got = listener.wait(5)
    assert parse_redirect(got, V5).params["code"] == "c1"


def test_listener_shows_refusal_and_times_out() -> None:
    with CallbackListener() as listener:
        response = httpx.get(listener.url, params={"error": "access_denied", "state": "s"})
        assert "Consent not given" in response.text
        with pytest.raises(ConsentRefusedError):
            parse_redirect(listener.wait(5), V5)
        with pytest.raises(CallbackError, match="no redirect received"):
            listener.wait(0.05)


def test_listener_ignores_redirects_for_another_state() -> None:
    with CallbackListener() as listener:
        listener.expect_state("good")
        stray = httpx.get(listener.url, params={"code": "x", "state": "other", "usage_point_id": "1"})
        assert stray.status_code == 400 and "does not belong" in stray.text
        assert httpx.get(listener.url, params={"code": "y", "state": "good", "usage_point_id": "1"}).is_success
        assert parse_redirect(listener.wait(5), V5).params["code"] == "y"
