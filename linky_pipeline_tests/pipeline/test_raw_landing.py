"""Landing rules of raw_load_curves: same bytes change nothing; a no-data answer never erases data."""

import json
from datetime import UTC, date, datetime

from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles("linky_pipeline.lib.sync.ingest")


def _land(db, status: int, payload: dict | None, sha: str, at: datetime) -> None:
    meter_pk = db.execute("SELECT min(id) FROM meters").fetchone()[0]
    db.execute(
        SQL["upsert_raw_load_curve"],
        {
            "meter_pk": meter_pk,
            "endpoint": "daily_consumption",
            "window_start": date(2026, 9, 1),
            "window_end": date(2026, 9, 8),
            "api_version": "v5",
            "http_status": status,
            "request": "{}",
            "payload": json.dumps(payload) if payload is not None else None,
            "payload_sha256": sha,
            "fetched_at": at,
        },
    )


def test_no_data_answer_never_replaces_data(db, building) -> None:
    building("b", ("22516914714270", "consumption"))
    first = datetime(2026, 9, 9, 2, tzinfo=UTC)
    _land(db, 200, {"meter_reading": {}}, "a" * 64, first)
    _land(db, 200, {"meter_reading": {}}, "a" * 64, datetime(2026, 9, 10, 2, tzinfo=UTC))  # same bytes
    _land(db, 404, None, "b" * 64, datetime(2026, 9, 11, 2, tzinfo=UTC))  # a later 404 for the same window
    assert db.execute("SELECT http_status, payload_sha256, fetched_at FROM raw_load_curves").fetchall() == [
        (200, "a" * 64, first)
    ]
    _land(db, 200, {"meter_reading": {"x": 1}}, "c" * 64, datetime(2026, 9, 12, 2, tzinfo=UTC))  # corrected data
    assert db.execute("SELECT payload_sha256 FROM raw_load_curves").fetchone() == ("c" * 64,)
