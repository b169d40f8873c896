"""EnedisClient against a real scripted HTTP server on 127.0.0.1: data, errors, retries, tokens, modes, logs.

These cases run the legacy v5 shapes (api_mode="v5" unless a test says otherwise); the 2026 v2 default is covered
by test_enedis_v2_http.py and by every test against the sandbox."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.errors import (
    ApiError,
    ApiUnavailableError,
    AuthenticationError,
    ConsentLostError,
    MalformedResponseError,
    QuotaExceededError,
    RequestRejectedError,
    WrongDirectionError,
)
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline_tests.support.enedis_fake import CLIENT_ID, CLIENT_SECRET, FakeEnedis, Server, err, reply

pytestmark = pytest.mark.http

TODAY = date(2026, 11, 22)
PRM = "22516914714270"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake() -> FakeEnedis:
    return FakeEnedis(today=TODAY)


@pytest.fixture
def server(fake: FakeEnedis) -> Iterator[Server]:
    with Server(fake) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_client(server: Server, sleeps: list[float], clock: Clock) -> Iterator[Callable[..., EnedisClient]]:
    made: list[EnedisClient] = []

    def make(**kwargs: object) -> EnedisClient:
        options: dict[str, object] = {
            "api_mode": "v5",
            "sleep": sleeps.append,
            "clock": clock,
            "today": lambda: TODAY,
            "rng": random.Random(1),
            "timeout_s": 5.0,
        }
        options.update(kwargs)
        secret = options.pop("client_secret", CLIENT_SECRET)
        client = EnedisClient(server.url, CLIENT_ID, secret, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def local_days(frame: pd.DataFrame) -> pd.Series:
    return frame["ts"].dt.tz_convert(PARIS).dt.date


@pytest.mark.parametrize(
    ("first", "end", "points"),
    [
        (date(2025, 10, 20), date(2025, 11, 3), 14 * 48 + 2),
        (date(2026, 3, 25), date(2026, 4, 4), 10 * 48 - 2),
    ],
)
def test_curve_fetch_across_dst_windows_hashes_and_requests(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, first: date, end: date, points: int
) -> None:
    result = make_client().fetch(PRM, "consumption_load_curve", first, end)
    assert len(result.frame) == points and result.frame["ts"].is_monotonic_increasing
    assert result.frame["ts"].diff().dropna().eq(pd.Timedelta(minutes=30)).all()
    assert [(w.start, w.end) for w in result.windows] == [
        (first, first + timedelta(days=7)),
        (first + timedelta(days=7), end),
    ]
    assert {w.outcome for w in result.windows} == {"ok"} and {w.http_status for w in result.windows} == {200}
    assert result.calls == 3 == len(fake.requests)  # one token + two windows
    assert [w.payload_sha256 for w in result.windows] == [hashlib.sha256(b).hexdigest() for b in fake.sent[1:]]
    for window in result.windows:
        assert window.request["params"] == {
            "usage_point_id": PRM,
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
        }
        assert "Authorization" not in str(window.request) and "tok-" not in str(window.request)
        assert window.payload is not None and window.payload["meter_reading"]["usage_point_id"] == PRM
    assert result.no_data_days == [] and result.discovered_activation_date is None


def test_interval_change_and_pt10m_through_http(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    switch = datetime(2025, 6, 14, 22, tzinfo=UTC)
    fake.interval["63695879465986"] = lambda start: 3600 if start < switch else 1800
    fake.interval["64975835695673"] = lambda _start: 600
    client = make_client()
    mixed = client.fetch("63695879465986", "consumption_load_curve", date(2025, 6, 13), date(2025, 6, 17)).frame
    assert mixed["interval_s"].value_counts().to_dict() == {3600: 48, 1800: 96}
    ten = client.fetch("64975835695673", "consumption_load_curve", date(2026, 3, 29), date(2026, 3, 30)).frame
    assert len(ten) == 138 and set(ten["interval_s"]) == {600}


def test_daily_with_holes_reports_no_data_days(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    prm = "42900589957123"
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(400)]
    fake.holes[prm] = {d for d in days if d.isoweekday() in (2, 3)}
    result = make_client().fetch(prm, "daily_consumption", date(2026, 1, 1), date(2026, 2, 1))
    assert len(result.frame) == 31 - len(result.no_data_days)
    assert result.no_data_days == sorted(d for d in fake.holes[prm] if d < date(2026, 2, 1))
    curve = make_client().fetch(prm, "consumption_load_curve", date(2026, 1, 6), date(2026, 1, 8))
    assert curve.windows[0].outcome == "no_data" and curve.frame.empty  # a Tuesday and a Wednesday
    assert curve.no_data_days == [date(2026, 1, 6), date(2026, 1, 7)]


def test_curve_not_enabled_is_recorded_as_no_data(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    prm = "32320647321714"
    fake.curve_disabled.add(prm)
    client = make_client()
    result = client.fetch(prm, "consumption_load_curve", date(2026, 11, 1), date(2026, 11, 15))
    assert [w.outcome for w in result.windows] == ["no_data", "no_data"]
    assert [w.http_status for w in result.windows] == [404, 404] and result.frame.empty
    assert len(result.no_data_days) == 14
    peaks = client.fetch(prm, "daily_consumption_max_power", date(2026, 11, 1), date(2026, 11, 3)).frame
    assert list(peaks["peak_at"]) == [
        pd.Timestamp("2026-11-01 11:06:20", tz=UTC),
        pd.Timestamp("2026-11-02 11:06:20", tz=UTC),
    ]


def test_consent_lost_and_wrong_direction_are_typed_and_not_retried(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis
) -> None:
    fake.consent_lost.add("26584978546985")
    fake.production_only.add("24880057139941")
    client = make_client()
    with pytest.raises(ConsentLostError) as lost:
        client.fetch("26584978546985", "daily_consumption", date(2026, 1, 1), date(2026, 2, 1))
    assert lost.value.prm == "26584978546985" and lost.value.code == "ADAM-DC-0008"
    assert len(fake.data_requests()) == 1
    fake.script("daily_production", err(400, "ADAM-DC-0007", "Le client n'est pas titulaire du point demandé."))
    with pytest.raises(ConsentLostError, match="ADAM-DC-0007"):
        client.fetch(PRM, "daily_production", date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(WrongDirectionError, match="24880057139941"):
        client.fetch("24880057139941", "consumption_load_curve", date(2026, 11, 1), date(2026, 11, 2))
    fake.script("daily_consumption", err(404, "STM-ERR-0000019", "unknown user"))
    with pytest.raises(ApiError) as unknown:
        client.fetch(PRM, "daily_consumption", date(2026, 1, 1), date(2026, 2, 1))
    assert (unknown.value.status, unknown.value.code) == (404, "STM-ERR-0000019")
    assert len(fake.data_requests()) == 4


def test_activation_is_found_by_bisection(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    prm = "11453290002823"
    fake.activation[prm] = date(2019, 8, 27)
    fake.today = date(2022, 1, 10)
    client = make_client(today=lambda: date(2022, 1, 10))
    result = client.fetch(prm, "daily_consumption", date(2019, 1, 1), date(2020, 6, 1))
    assert result.discovered_activation_date == date(2019, 8, 27)
    assert [(w.start, w.end, w.outcome) for w in result.windows] == [
        (date(2019, 1, 1), date(2019, 8, 27), "before_activation"),
        (date(2019, 8, 27), date(2020, 1, 1), "ok"),
        (date(2020, 1, 1), date(2020, 6, 1), "ok"),
    ]
    assert result.frame["day"].min() == date(2019, 8, 27) and result.no_data_days == []
    assert len(fake.data_requests()) <= 2 + 10  # log2(365) probes, not one call per day


def test_activation_at_a_window_boundary(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    fake.activation[PRM] = date(2026, 8, 8)
    result = make_client().fetch(PRM, "consumption_load_curve", date(2026, 8, 1), date(2026, 8, 15))
    assert result.discovered_activation_date == date(2026, 8, 8)
    assert [w.outcome for w in result.windows] == ["before_activation", "ok"]
    assert local_days(result.frame).min() == date(2026, 8, 8) and result.no_data_days == []


def test_quota_q3_then_q4_then_success(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, sleeps: list[float]
) -> None:
    fake.script(
        "daily_consumption",
        reply(
            429,
            {"error": "429", "error_description": "Quota Q3 reached Call threshold allowed on 0:00:01"},
            {"Retry-After": "1"},
        ),
    )
    fake.script(
        "daily_consumption",
        reply(
            429,
            {
                "code": "900804",
                "message": "Message throttled out",
                "description": "You have exceeded your quota .You can access API after 2026-Nov-22 09:00:30+0000 UTC",
                "nextAccessTime": "2026-Nov-22 09:00:30+0000 UTC",
            },
            {"Retry-After": "3600"},
        ),
    )
    result = make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(result.frame) == 2 and result.calls == 4
    assert sleeps == [1.0, 30.0]


def test_quota_beyond_the_accepted_wait_is_a_typed_error(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, sleeps: list[float]
) -> None:
    fake.script(
        "daily_consumption",
        reply(
            429,
            {"code": "900804", "message": "Message throttled out", "nextAccessTime": "2026-Nov-22 10:00:00+0000 UTC"},
        ),
    )
    with pytest.raises(QuotaExceededError) as exc:
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert exc.value.retry_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC) and sleeps == []
    fake.script("daily_consumption", reply(429, {"error": "429"}, {"Retry-After": "1"}), times=10)
    with pytest.raises(QuotaExceededError):
        make_client(retry=RetryPolicy(max_quota_wait_s=3)).fetch(
            PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3)
        )
    assert sleeps == [1.0, 1.0, 1.0]


def test_5xx_are_retried_with_growing_backoff_then_typed(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, sleeps: list[float]
) -> None:
    fake.script("daily_consumption", err(500, "technical_error", "Technical error. Please try later."))
    fake.script("daily_consumption", reply(503))
    assert len(make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3)).frame) == 2
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0
    sleeps.clear()
    fake.script("daily_consumption", reply(503), times=5)
    with pytest.raises(ApiUnavailableError, match="HTTP 503 after 5 attempts"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(sleeps) == 4 and sleeps == sorted(sleeps)


def test_a_500_on_every_attempt_of_one_request_is_a_request_error_not_an_outage(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, sleeps: list[float]
) -> None:
    fake.script("daily_consumption", err(500, "technical_error", "Technical error. Please try later."), times=3)
    with pytest.raises(RequestRejectedError) as rejected:
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(fake.data_requests()) == 3 and len(sleeps) == 2  # bounded: 3 attempts, not the 5 of an outage
    error = rejected.value
    assert (error.status, error.code, error.path) == (500, "technical_error", "/metering_data_dc/v5/daily_consumption")
    assert error.params == {"usage_point_id": PRM, "start": "2026-11-01", "end": "2026-11-03"}
    text = str(error)
    assert "GET /metering_data_dc/v5/daily_consumption (end=2026-11-03, start=2026-11-01" in text
    assert "each of 3 attempts" in text and CLIENT_SECRET not in text and "Bearer" not in text
    assert not any(token in text for token in fake.issued)
    fake.script("daily_consumption", err(500, "technical_error"), times=2)
    fake.script("daily_consumption", reply(503))  # an outage interleaved: the 500s are not "every attempt"
    fake.script("daily_consumption", err(500, "technical_error"), times=2)
    with pytest.raises(ApiUnavailableError, match="after 5 attempts"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))


def test_twenty_percent_faults_give_the_identical_result(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis
) -> None:
    clean = make_client().fetch(PRM, "consumption_load_curve", date(2026, 9, 1), date(2026, 11, 1))
    fake.error_rate = 0.2
    faulty = make_client(retry=RetryPolicy(max_attempts=8)).fetch(
        PRM, "consumption_load_curve", date(2026, 9, 1), date(2026, 11, 1)
    )
    pd.testing.assert_frame_equal(clean.frame, faulty.frame)
    assert [w.payload_sha256 for w in clean.windows] == [w.payload_sha256 for w in faulty.windows]
    assert faulty.calls > clean.calls


def test_timeouts_and_dropped_connections_are_retried(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis
) -> None:
    fake.script("daily_consumption", reply(200, {"slow": True}, {"X-Sleep": "1"}))
    fake.script("daily_consumption", reply(200, b'{"meter_reading": {"usage_point_id"', {"X-Truncate": "1"}))
    result = make_client(timeout_s=0.2).fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(result.frame) == 2 and len(fake.data_requests()) == 3


def test_unreachable_server_is_api_unavailable(sleeps: list[float]) -> None:
    with Server(FakeEnedis(today=TODAY)) as gone:
        url = gone.url
    client = EnedisClient(url, CLIENT_ID, CLIENT_SECRET, sleep=sleeps.append, today=lambda: TODAY, api_mode="v5")
    with client, pytest.raises(ApiUnavailableError, match="ConnectError after 5 attempts"):
        client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))


def test_malformed_or_truncated_json(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    fake.script("daily_consumption", reply(200, b'{"meter_reading": {"usage_point_id": "2251'))
    result = make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(result.frame) == 2 and len(fake.data_requests()) == 2
    fake.script("daily_consumption", reply(200, b"<html>gateway</html>"), times=5)
    with pytest.raises(MalformedResponseError, match="after 5 attempts"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    bad = {
        "meter_reading": {
            "usage_point_id": PRM,
            "quality": "BRUT",
            "reading_type": {"unit": "Wh"},
            "interval_reading": [{"value": "3 Wh", "date": "2026-11-01"}],
        }
    }
    fake.script("daily_consumption", reply(200, bad), times=5)
    with pytest.raises(MalformedResponseError, match=r"value='3 Wh': not numeric"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    # a negative number is a point the landing quarantines (issue 17 §1), not a reason to refuse the answer
    bad["meter_reading"]["interval_reading"] = [{"value": "-3", "date": "2026-11-01"}]  # type: ignore[index]
    fake.script("daily_consumption", reply(200, bad))
    assert make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 2)).frame[
        "kwh"
    ].tolist() == [-0.003]


def test_token_is_cached_renewed_once_on_401_and_before_expiry(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, clock: Clock
) -> None:
    client = make_client()
    client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    client.fetch(PRM, "daily_consumption", date(2026, 11, 3), date(2026, 11, 5))
    assert len(fake.issued) == 1
    fake.tokens.clear()  # server-side expiry
    renewed = client.fetch(PRM, "daily_consumption", date(2026, 11, 5), date(2026, 11, 7))
    assert len(renewed.frame) == 2 and len(fake.issued) == 2 and renewed.calls == 3
    clock.now += timedelta(seconds=12600 - 59)  # inside the 60 s renewal margin
    client.fetch(PRM, "daily_consumption", date(2026, 11, 7), date(2026, 11, 9))
    assert len(fake.issued) == 3
    fake.script("daily_consumption", err(401, "invalid_token"), times=2)
    with pytest.raises(AuthenticationError):
        client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(fake.issued) == 4


def test_bad_credentials_are_typed_and_keep_the_secret_out(make_client: Callable[..., EnedisClient]) -> None:
    client = make_client(client_secret="wrong-secret-123")
    with pytest.raises(AuthenticationError) as exc:
        client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert exc.value.status == 401 and exc.value.code == "invalid_client"
    assert "wrong-secret-123" not in str(exc.value) and "wrong-secret-123" not in repr(client)


def test_concurrent_fetches_share_one_token(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    client = make_client()
    sizes: list[int] = []
    lock = threading.Lock()

    def work(month: int) -> None:
        frame = client.fetch(PRM, "daily_consumption", date(2026, month, 1), date(2026, month + 1, 1)).frame
        with lock:
            sizes.append(len(frame))

    threads = [threading.Thread(target=work, args=(m,)) for m in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.issued) == 1 and sorted(sizes) == sorted([31, 28, 31, 30, 31, 30, 31, 31])


class CountingLimiter:
    def __init__(self) -> None:
        self.count = 0

    def acquire(self, max_wait_s: float | None = None) -> None:
        assert max_wait_s is None
        self.count += 1


def test_limiter_is_acquired_before_every_http_call(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    limiter = CountingLimiter()
    fake.script("consumption_load_curve", err(500, "technical_error"))
    result = make_client(limiter=limiter).fetch(PRM, "consumption_load_curve", date(2026, 10, 1), date(2026, 10, 20))
    assert limiter.count == result.calls == len(fake.requests) == 1 + 3 + 1


def test_auto_mode_prefers_v2_and_pins_it(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    client = make_client(api_mode="auto")
    result = client.fetch(PRM, "consumption_load_curve", date(2025, 10, 25), date(2025, 10, 28))
    assert client.api_version == "2026-v2" and len(result.frame) == 3 * 48 + 2
    assert set(result.frame["source"]) == {"enedis-2026-v2"}
    assert result.windows[0].api_version == "2026-v2"
    assert result.windows[0].request["params"]["pointId"] == PRM
    peaks = client.fetch(PRM, "daily_consumption_max_power", date(2026, 11, 1), date(2026, 11, 2))
    assert peaks.windows[0].request["params"]["grandeurPhysique"] == "PMA"
    assert all("/v2/" in r.path for r in fake.data_requests())


def test_auto_mode_falls_back_to_v5_and_remembers(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    fake.v2_status = 500
    client = make_client(api_mode="auto", retry=RetryPolicy(max_attempts=2))
    result = client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert client.api_version == "v5" and set(result.frame["source"]) == {"enedis-v5"}
    before = len(fake.data_requests())
    client.fetch(PRM, "daily_consumption", date(2026, 11, 3), date(2026, 11, 5))
    assert [r.path for r in fake.data_requests()[before:]] == ["/metering_data_dc/v5/daily_consumption"]


def test_auto_mode_does_not_fall_back_on_404(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    fake.v2_status = 404
    client = make_client(api_mode="auto")
    result = client.fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert client.api_version == "2026-v2" and result.windows[0].outcome == "no_data"
    assert all("/v2/" in r.path for r in fake.data_requests())


def test_2026_v1_mode_uses_the_v5_shape(make_client: Callable[..., EnedisClient], fake: FakeEnedis) -> None:
    result = make_client(api_mode="2026-v1").fetch(PRM, "daily_production", date(2026, 11, 1), date(2026, 11, 3))
    assert set(result.frame["source"]) == {"enedis-2026-v1"} and len(result.frame) == 2
    assert fake.data_requests()[0].path == "/mesure_synchrone_auto/v1/metering_data/daily_production"


def test_no_secret_or_token_in_any_log_line(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "linky_pipeline"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    fake.script("consumption_load_curve", err(500, "technical_error"))
    client = make_client()
    client.fetch(PRM, "consumption_load_curve", date(2026, 11, 1), date(2026, 11, 10))
    fake.tokens.clear()
    client.fetch(PRM, "consumption_load_curve", date(2026, 11, 10), date(2026, 11, 12))
    assert len(fake.issued) == 2
    names = {r.name.split(".")[0] for r in caplog.records}
    assert {"httpx", "httpcore", "linky_pipeline"} <= names  # the capture really saw the HTTP stack
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in (CLIENT_SECRET, *fake.issued):
        assert secret not in text
    assert "Bearer" not in text and "authorization" not in text.lower()


def test_a_bad_content_encoding_is_a_transient_fault_of_one_call(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis
) -> None:
    fake.script("daily_consumption", reply(200, b"this is not gzip", {"Content-Encoding": "gzip"}))
    result = make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert len(result.frame) == 2 and len(fake.data_requests()) == 2
    fake.script("daily_consumption", reply(200, b"\x00\x01broken", {"Content-Encoding": "deflate"}), times=5)
    with pytest.raises(ApiUnavailableError, match="DecodingError after 5 attempts"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))


def test_a_redirect_names_its_status_and_host_but_not_its_query(
    make_client: Callable[..., EnedisClient], fake: FakeEnedis
) -> None:
    fake.script("daily_consumption", reply(302, b"", {"Location": "https://login.example.com:8443/sso?ticket=T1CKET"}))
    with pytest.raises(ApiError) as redirected:
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
    assert redirected.value.status == 302
    assert "redirected (HTTP 302) to https://login.example.com:8443" in str(redirected.value)
    assert "T1CKET" not in str(redirected.value) and "/sso" not in str(redirected.value)
    fake.script("/token", reply(302, b"", {"Location": "/elsewhere?x=1"}))
    with pytest.raises(ApiError, match=r"token: the API redirected \(HTTP 302\) to a path on the same host"):
        make_client().fetch(PRM, "daily_consumption", date(2026, 11, 1), date(2026, 11, 3))
