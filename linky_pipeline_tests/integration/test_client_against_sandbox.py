"""Issue 3 acceptance: the real client against the real sandbox over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pandas as pd
import pytest

from linky_pipeline.lib.domain.localtime import PARIS, days_in_range, expected_intervals
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.quota import shared_quotas
from linky_pipeline.lib.sources.errors import ApiError, ConsentLostError, RequestRejectedError, WrongDirectionError
from linky_pipeline.lib.sources.ratelimit import InMemoryRateLimiter
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings

TODAY = date(2026, 11, 23)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(settings=SandboxSettings(today=TODAY, quota_per_second=100_000)) as server:
        yield server


def client(sandbox: SandboxServer, today: date = TODAY, **kwargs: object) -> EnedisClient:
    return EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: today, **kwargs)


def test_full_history_of_the_normal_meter_is_exact(sandbox: SandboxServer) -> None:
    with client(sandbox) as api:
        curve = api.fetch("22516914714270", "consumption_load_curve", date(2020, 1, 1), TODAY)
        daily = api.fetch("22516914714270", "daily_consumption", date(2020, 1, 1), TODAY)
    first = curve.windows[0].start
    assert (TODAY - first).days > 730  # 24 months + ~15 days
    expected = sum(expected_intervals(d, PARIS) for d in days_in_range(first, TODAY))
    frame = curve.frame
    assert len(frame) == expected and frame["ts"].is_unique
    assert (daily.windows[0].start - date(2023, 11, 1)).days < 15  # 36 months + ~15 days
    per_day = frame.assign(day=frame["ts"].dt.tz_convert(PARIS).dt.date).groupby("day")["kwh"].sum()
    official = daily.frame.set_index("day")["kwh"]
    joined = pd.concat([per_day.rename("curve"), official.rename("official")], axis=1, join="inner")
    assert len(joined) == len(per_day)
    assert ((joined["curve"] - joined["official"]).abs() / joined["official"]).max() < 0.01


def test_each_official_test_meter_ends_in_its_documented_outcome(sandbox: SandboxServer) -> None:
    week = (date(2026, 6, 8), date(2026, 6, 15))  # a Monday to a Monday
    with client(sandbox) as api:
        assert len(api.fetch("22516914714270", "consumption_load_curve", *week).frame) == 7 * 48
        not_enabled = api.fetch("32320647321714", "consumption_load_curve", *week)
        assert not_enabled.frame.empty and not_enabled.windows[0].outcome == "no_data"
        assert len(api.fetch("32320647321714", "daily_consumption", *week).frame) == 7
        holes = api.fetch("42900589957123", "consumption_load_curve", *week)
        assert {d.isoweekday() for d in holes.no_data_days} == {2, 3} and len(holes.frame) == 5 * 48
        assert len(api.fetch("12345678901234", "consumption_load_curve", *week).frame) == 7 * 48
        assert len(api.fetch("10284856584123", "production_load_curve", *week).frame) == 7 * 48
        with pytest.raises(WrongDirectionError):
            api.fetch("24880057139941", "consumption_load_curve", *week)
        assert len(api.fetch("24880057139941", "production_load_curve", *week).frame) == 7 * 48
        for direction in ("consumption", "production"):
            assert len(api.fetch("12655648759651", f"{direction}_load_curve", *week).frame) == 7 * 48
        assert set(api.fetch("64975835695673", "consumption_load_curve", *week).frame["interval_s"]) == {600}
        assert set(api.fetch("22315546958763", "consumption_load_curve", *week).frame["interval_s"]) == {900}
        change = api.fetch("63695879465986", "consumption_load_curve", date(2025, 6, 13), date(2025, 6, 18))
        assert set(change.frame["interval_s"]) == {3600, 1800}
        assert change.frame["interval_s"].sum() == 5 * 86400  # nothing lost or overlapping across the change
        with pytest.raises(ConsentLostError):
            api.fetch("26584978546985", "consumption_load_curve", *week)
    with client(sandbox, api_mode="2026-v2") as api:
        assert len(api.fetch("99999999999991", "consumption_load_curve", *week).frame) == 7 * 48
    sandbox.settings.update({"today": "2021-01-15"})  # so that activation 2019-08-27 is inside the horizon
    with client(sandbox, today=date(2021, 1, 15)) as api:
        late = api.fetch("11453290002823", "daily_consumption", date(2019, 1, 1), date(2020, 1, 1))
        assert late.discovered_activation_date == date(2019, 8, 27)
        assert late.frame["day"].min() == date(2019, 8, 27)


def test_faults_and_quota_give_identical_results(sandbox: SandboxServer) -> None:
    def fetch_all(api: EnedisClient) -> list[pd.DataFrame]:
        return [
            api.fetch("22516914714270", "consumption_load_curve", date(2026, 9, 1), date(2026, 11, 1)).frame,
            api.fetch("22516914714270", "daily_consumption", date(2025, 11, 1), date(2026, 11, 1)).frame,
        ]

    with client(sandbox) as api:
        clean = fetch_all(api)
    sandbox.settings.update({"error_rate": 0.2, "quota_per_second": 5, "seed": 7})
    retry = RetryPolicy(max_attempts=8, backoff_base_s=0.05, backoff_cap_s=0.5)
    with client(sandbox, retry=retry, limiter=InMemoryRateLimiter(per_second=5, burst=1)) as api:
        faulty = fetch_all(api)
    for a, b in zip(clean, faulty, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_an_error_echoing_the_bearer_token_is_scrubbed_everywhere(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.settings.update({"echo_rate": 1.0})
    with client(sandbox) as api, pytest.raises(ApiError) as refused:
        api.fetch("22516914714270", "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    tokens = sandbox.app.tokens.issued()
    assert tokens and refused.value.status == 400
    assert "Authorization: ***" in str(refused.value)
    shown = "\n".join([str(refused.value), repr(refused.value), caplog.text])
    for secret in (*tokens, SANDBOX_CLIENT_SECRET):
        assert secret not in shown


def test_per_api_quotas_on_a_scaled_clock_agree_with_the_sandbox(sandbox: SandboxServer, pg_url: str) -> None:
    """Limiter and sandbox share time_scale 7200 (one quota hour = 0.5 s) and 5 calls per hour per API: 20
    curve calls of each direction all land, the sandbox refuses (almost) none of them (a call delayed past a window
    edge by a loaded machine may meet one 429, which the transport waits out), and the two APIs are served in the
    same windows: one API's exhausted hour does not hold the other back. Throughput is measured by
    benchmarks/quota_scaled.py, not asserted here."""
    scale, per_hour = 7200.0, 5
    sandbox.settings.update({"quota_per_hour": per_hour, "quota_per_second": 5, "time_scale": scale})
    quotas = shared_quotas(pg_url, 5, per_hour, time_scale=scale, overrides="token=1000/h")
    days = (date(2026, 3, 1), date(2026, 3, 1) + timedelta(days=7 * 20))
    with client(sandbox, limiter=quotas) as api, ThreadPoolExecutor(2) as pool:
        fetched = list(
            pool.map(
                lambda job: api.fetch(job[0], job[1], *days),
                [("22516914714270", "consumption_load_curve"), ("10284856584123", "production_load_curve")],
            )
        )
    quotas.close()
    assert [len(f.windows) for f in fetched] == [20, 20]
    report = httpx.get(f"{sandbox.url}/sandbox/quota").json()
    assert sum(report["refused"].values()) <= 2
    windows = report["calls_per_window"]
    for name in ("consumption_load_curve", "production_load_curve"):
        counts = sorted(windows[name].items())
        assert sum(n for _, n in counts) == 20 and max(n for _, n in counts) <= per_hour
    shared = set(windows["consumption_load_curve"]) & set(windows["production_load_curve"])
    assert len(shared) >= 2  # both APIs were served in the same windows, side by side


def test_a_request_outside_the_v2_contract_is_a_request_error_after_three_500s(sandbox: SandboxServer) -> None:
    """The gateway answers 500 to a misspelt request; the client stops after 3 attempts and names the request."""
    params = {"usage_point_id": "22516914714270", "dateDebut": "2026-11-01", "dateFin": "2026-11-02"}
    with client(sandbox, retry=RetryPolicy(backoff_base_s=0.01)) as api, pytest.raises(RequestRejectedError) as error:
        api.authorized(
            "GET",
            "/mesure_synchrone_auto/v2/consommation_quotidienne",
            api="daily_consumption",
            what="x",
            params=params,
        )
    path = "/mesure_synchrone_auto/v2/consommation_quotidienne"
    assert httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls"][path] == 3
    assert str(error.value).startswith(
        f"HTTP 500 code='technical_error': GET {path} (dateDebut=2026-11-01, dateFin=2026-11-02, "
        "usage_point_id=22516914714270) answered HTTP 500 on each of 3 attempts"
    )
