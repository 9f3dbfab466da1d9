"""The projections' appended rows: from ``COPY_FROM`` rows on, PostgreSQL gets them by
``COPY``; the rows read back are those an INSERT writes (times, ids, JSON, flags)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.batch import COPY_FROM, Batch
from tests.integration.conftest import Deployment

from .test_read_models import engine_of

AT = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC)


def event_row(session: uuid.UUID, item: int) -> dict[str, Any]:
    return {
        "session_aggregate_id": session,
        "batch_version": 2,
        "item": item,
        "session_id": f"s-{session.hex[:8]}",
        "tenant": "demo",
        "video_id": 7,
        "enrollment_id": 9,
        "user_id": 11,
        "event_type": "SEEK",
        "violated": item % 2 == 0,
        "violation_reason": "" if item % 2 else "seek_blocked",
        "occurred_at": AT + timedelta(seconds=item),
        "client_occurred_at": AT + timedelta(seconds=item, microseconds=-1),
        "received_at": AT + timedelta(seconds=item, microseconds=1),
        "policy_key": 2**62 + item,
        "payload": {"to": item, "text": 'é \\ \t \n " ,', "nested": {"x": [1, None, 2.5]}},
    }


def test_many_appended_rows_read_back_as_few_do(deployment: Deployment) -> None:
    engine = engine_of(deployment.start())
    copied, inserted = uuid.uuid4(), uuid.uuid4()
    batch = Batch()
    for item in range(COPY_FROM + 5):
        batch.append(t.playback_events, event_row(copied, item), serial="event_id")
    with engine.begin() as conn:
        batch.flush(conn)
    batch = Batch()
    for item in range(3):
        batch.append(t.playback_events, event_row(inserted, item), serial="event_id")
    with engine.begin() as conn:
        batch.flush(conn)

    with engine.connect() as conn:
        rows = [
            dict(row)
            for row in conn.execute(
                select(t.playback_events).order_by(
                    t.playback_events.c.session_aggregate_id, t.playback_events.c.item
                )
            ).mappings()
        ]
    by_session = {
        session: [r for r in rows if r["session_aggregate_id"] == session]
        for session in (copied, inserted)
    }
    assert len(by_session[copied]) == COPY_FROM + 5
    for session, stored in by_session.items():
        for row in stored:
            values = {k: utc(v) for k, v in row.items() if k != "event_id"}
            assert values == event_row(session, row["item"])
    # Numbered on from the largest stored, by COPY as by INSERT.
    assert [r["event_id"] for r in by_session[copied]] == list(range(1, COPY_FROM + 6))
    assert [r["event_id"] for r in by_session[inserted]] == [COPY_FROM + 6 + i for i in range(3)]


def utc(value: Any) -> Any:
    """SQLite hands times back without their offset (UTC)."""
    naive = isinstance(value, datetime) and value.tzinfo is None
    return value.replace(tzinfo=UTC) if naive else value
