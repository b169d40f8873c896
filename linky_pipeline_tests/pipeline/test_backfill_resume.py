"""Backfills window by window (issue 11 §3): a run cancelled at any point keeps what landed and the next run
asks only for the rest, landing the same tables as an uninterrupted run; per-API workers; progress and ETAs;
months handed over in order while later ones are still fetched (issue 16 P2)."""

from __future__ import annotations

import _thread
import threading
from collections import Counter
from datetime import date

import psycopg
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.results import FetchResult
from linky_pipeline.lib.sync.eta import BuildingEta
from linky_pipeline.lib.sync.run import SyncOptions, sync_partitions
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

REFERENCE = date(2026, 11, 23)
BUILDINGS = {"alpha": "22516914714270", "bravo": "12345678901234"}
MONTHS = [date(2026, m, 1) for m in (6, 7, 8, 9)]


class CancelAfter:
    """A client whose run is cancelled once it has answered `windows` windows: the main thread gets the interrupt
    Dagster sends a cancelled step (a KeyboardInterrupt-like signal), while workers are mid-call."""

    def __init__(self, inner: EnedisClient, windows: int) -> None:
        self.inner, self.left, self.lock = inner, windows, threading.Lock()
        self.asked: Counter[tuple[str, str, date]] = Counter()

    def fetch(
        self, meter_id: str, endpoint: str, start: date, end: date, activation: date | None = None
    ) -> FetchResult:
        with self.lock:
            self.asked[(meter_id, endpoint, start)] += 1
            self.left -= 1
            if self.left == 0:
                _thread.interrupt_main()
        return self.inner.fetch(meter_id, endpoint, start, end, activation)


def _partitions() -> list[BuildingMonth]:
    return [BuildingMonth(b, m, "Europe/Paris") for b in BUILDINGS for m in MONTHS]


def _sync(pg_url: str, client: object, **options: object):
    policy = SyncPolicy(REFERENCE, mode="backfill", max_concurrency=2)
    return sync_partitions(
        lambda: psycopg.connect(pg_url),
        {"enedis": client},  # type: ignore[dict-item]
        _partitions(),
        policy,
        actor="test",
        options=SyncOptions(**options),  # type: ignore[arg-type]
    )


def _landing(db) -> tuple[set[tuple], set[tuple]]:
    """The landing tables without their timestamps."""
    db.rollback()
    raw = db.execute(
        "SELECT m.meter_id, r.endpoint, r.window_start, r.window_end, r.http_status, r.payload_sha256 "
        "FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk"
    ).fetchall()
    days = db.execute(
        "SELECT m.meter_id, f.endpoint, f.day, f.status, f.points, f.is_final, f.attempts, f.next_attempt "
        "FROM fetch_state f JOIN meters m ON m.id = f.meter_pk"
    ).fetchall()
    return set(raw), set(days)


@pytest.fixture
def registered(db, building) -> None:
    for code, prm in BUILDINGS.items():
        building(code, (prm, "consumption"))


@pytest.mark.parametrize("cancel_after", [1, 7, 23])
def test_a_cancelled_backfill_resumes_without_refetching_and_lands_the_same_tables(
    registered, db, pg_url, sandbox, cancel_after
) -> None:
    sandbox.settings.update({"today": REFERENCE.isoformat()})
    with EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: REFERENCE) as api:
        whole = _sync(pg_url, api)
        reference = _landing(db)
        db.execute("TRUNCATE raw_load_curves, fetch_state, empty_answers, sync_runs CASCADE")
        db.commit()

        first = CancelAfter(api, cancel_after)
        with pytest.raises(KeyboardInterrupt):
            _sync(pg_url, first)
        landed_raw, _ = _landing(db)
        landed = {(m, e, s) for m, e, s, *_ in landed_raw}
        assert len(landed) <= sum(first.asked.values())  # answered windows only; none half-written
        assert len(landed) < whole.windows_planned  # the cancel came mid-run

        second = CancelAfter(api, -1)
        resumed = _sync(pg_url, second)
    assert resumed.windows_planned == whole.windows_planned - len(landed)
    assert not set(second.asked) & landed  # nothing that landed is asked again
    assert _landing(db) == reference


def test_each_api_has_its_own_workers_and_progress_is_counted(registered, db, pg_url, sandbox) -> None:
    sandbox.settings.update({"today": REFERENCE.isoformat()})
    seen: dict[str, set[str]] = {}
    original = EnedisClient.fetch

    def spy(self, meter_id, endpoint, start, end, activation=None):
        seen.setdefault(endpoint, set()).add(threading.current_thread().name)
        return original(self, meter_id, endpoint, start, end, activation)

    reports: list[list[BuildingEta]] = []
    with EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: REFERENCE) as api:
        api.fetch = spy.__get__(api)  # type: ignore[method-assign]
        summary = _sync(pg_url, api, run_id="run-x", on_progress=reports.append, progress_every_s=0.0)
    assert not summary.failure
    for endpoint, threads in seen.items():  # each API's calls ran on that API's own workers
        assert threads and all(f"enedis:{endpoint}" in t for t in threads), (endpoint, threads)
    db.rollback()
    rows = db.execute(
        "SELECT building_code, api, windows_planned, windows_landed, windows_failed FROM sync_progress "
        "WHERE run_id = 'run-x' ORDER BY 1, 2"
    ).fetchall()
    assert {(b, a) for b, a, *_ in rows} == {
        (b, f"enedis:{e}")
        for b in BUILDINGS
        for e in ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power")
    }
    assert all(planned == landed and failed == 0 for _, _, planned, landed, failed in rows)
    assert sum(r[2] for r in rows) == summary.windows_planned == summary.windows_landed
    assert db.execute("SELECT outcome FROM sync_runs WHERE run_id = 'run-x'").fetchone() == ("succeeded",)
    assert reports  # progress was reported while the run went on
    assert {e.building for e in reports[-1]} == set(BUILDINGS)


def test_months_are_handed_over_in_order_as_soon_as_they_landed(registered, db, pg_url, sandbox) -> None:
    sandbox.settings.update({"today": REFERENCE.isoformat()})
    handed: list[BuildingMonth] = []
    with EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: REFERENCE) as api:
        _sync(pg_url, api, on_month_landed=handed.append)
    assert sorted(handed) == sorted(_partitions())  # each once
    for code in BUILDINGS:
        mine = [bm.month for bm in handed if bm.building == code]
        assert mine == sorted(mine)  # ascending: a month's tables read the months before it


def test_buildings_are_processed_at_once_each_on_one_thread_in_order(registered, db, pg_url, sandbox) -> None:
    """Several builders: two buildings' months are processed at the same time (a building-month's tables are
    round trips to the warehouse), while each building's months stay on one thread, ascending."""
    sandbox.settings.update({"today": REFERENCE.isoformat()})
    handed: list[tuple[str, BuildingMonth]] = []
    inside: set[str] = set()
    overlapped = threading.Event()
    guard = threading.Lock()

    def process(bm: BuildingMonth) -> None:
        with guard:
            inside.add(bm.building)
            if len(inside) > 1:
                overlapped.set()
        overlapped.wait(timeout=2)  # long enough for the other building's builder to come in
        with guard:
            inside.discard(bm.building)
            handed.append((threading.current_thread().name, bm))

    with EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: REFERENCE) as api:
        _sync(pg_url, api, on_month_landed=process, builders=2)
    assert overlapped.is_set()
    assert sorted(bm for _, bm in handed) == sorted(_partitions())  # each once
    for code in BUILDINGS:
        mine = [(thread, bm.month) for thread, bm in handed if bm.building == code]
        assert len({thread for thread, _ in mine}) == 1
        assert [m for _, m in mine] == sorted(m for _, m in mine)
    assert len({thread for thread, _ in handed}) == 2
