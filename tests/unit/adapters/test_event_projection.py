"""The player events' projection (adapters/sql/projections.py: project_session) on SQLite:
each row numbered in log order, the server's time as ``occurred_at`` for batches stored at any
time, the hours bucketed by it, and each event's policy the one its session had at its batch."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select

from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.analytics import SqlAnalytics
from academy_video.adapters.sql.batch import Batch
from academy_video.adapters.sql.projections import project_session
from academy_video.domain.playback_session import PlaybackSession

STARTED = datetime(2026, 3, 1, 9, 50, tzinfo=UTC)
RECEIVED = datetime(2026, 3, 1, 10, 20, tzinfo=UTC)
POLICY = {"allow_seek": False, "seek": {"mode": "blocked"}}
LOOSER = {"allow_seek": True, "seek": {"mode": "free"}}


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    t.metadata.create_all(engine)
    yield engine
    engine.dispose()


def session(number: int = 1) -> PlaybackSession:
    return PlaybackSession(
        session_id=f"s{number}",
        tenant="demo",
        video_id=7,
        enrollment_id=100 + number,
        user_id=1000 + number,
        device_id="d",
        policy=POLICY,
        policy_version=1,
        grant_version=0,
        started_at=STARTED,
        expires_at=STARTED + timedelta(hours=1),
    )


def item(occurred_at: float | None, kind: str = "FOCUS_LOST") -> dict[str, Any]:
    """An item as ``report_events`` stores it (and as it did before this projection)."""
    return {
        "type": kind,
        "occurred_at": occurred_at,
        "payload": {},
        "violated": False,
        "reason": "",
    }


class Started(SimpleNamespace):  # stand-ins for the stored events: the projection reads
    pass  # their class name and fields only


class EventsReported(SimpleNamespace):
    pass


class PolicyLoosened(SimpleNamespace):  # any later event of a session that carries a policy
    pass


def project(engine: Engine, *steps: tuple[PlaybackSession, Any]) -> None:
    batch = Batch()
    for state, event in steps:
        project_session(batch, state, event, 0)
    with engine.begin() as conn:
        batch.flush(conn)


def started(state: PlaybackSession) -> Started:
    return Started(originator_version=1, policy=state.policy)


def rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(t.playback_events).order_by(t.playback_events.c.event_id)
        return [dict(r) for r in conn.execute(query).mappings()]


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_events_are_numbered_in_log_order_across_batches(engine: Engine) -> None:
    one, two = session(1), session(2)
    project(
        engine,
        (one, started(one)),
        (one, EventsReported(originator_version=2, items=[item(None)] * 3, received_at=RECEIVED)),
        (two, started(two)),
        (two, EventsReported(originator_version=2, items=[item(None)] * 2, received_at=RECEIVED)),
    )
    project(  # a later catch-up goes on from the largest number stored
        engine,
        (one, EventsReported(originator_version=3, items=[item(None)], received_at=RECEIVED)),
    )
    numbered = [
        (r["event_id"], r["session_id"], r["batch_version"], r["item"]) for r in rows(engine)
    ]
    assert numbered == [
        (1, "s1", 2, 0),
        (2, "s1", 2, 1),
        (3, "s1", 2, 2),
        (4, "s2", 2, 0),
        (5, "s2", 2, 1),
        (6, "s1", 3, 0),
    ]


def test_occurred_at_is_the_batchs_receipt_for_items_of_any_age(engine: Engine) -> None:
    """Items stored before and after this change hold the same fields: the player's time
    (clamped when stored, or any number from before that rule) and the batch's receipt."""
    state = session()
    times = [None, STARTED.timestamp() - 86400, STARTED.timestamp() + 60, 1e300, float("nan")]
    event = EventsReported(
        originator_version=2, items=[item(x) for x in times], received_at=RECEIVED
    )
    project(engine, (state, started(state)), (state, event))
    stored = rows(engine)
    assert {as_utc(r["occurred_at"]) for r in stored} == {RECEIVED}
    assert [as_utc(r["client_occurred_at"]) for r in stored] == [
        RECEIVED,  # none sent: the receipt
        STARTED,  # before the session: its start
        STARTED + timedelta(seconds=60),
        RECEIVED,  # after the receipt: the receipt
        RECEIVED,  # not a number: the receipt
    ]


def test_the_hourly_sums_bucket_by_the_servers_time(engine: Engine) -> None:
    state = session()
    backdated = (RECEIVED - timedelta(hours=5)).timestamp()  # clamped to 09:50 when stored
    event = EventsReported(
        originator_version=2, items=[item(backdated), item(None)], received_at=RECEIVED
    )
    project(engine, (state, started(state)), (state, event))
    with engine.connect() as conn:
        hours = [dict(r) for r in conn.execute(select(t.playback_event_hours)).mappings()]
    assert [(as_utc(h["hour"]), h["events"]) for h in hours] == [(RECEIVED.replace(minute=0), 2)]
    assert as_utc(hours[0]["last_occurred_at"]) == RECEIVED


def test_each_event_shows_the_policy_its_session_had_at_its_batch(engine: Engine) -> None:
    """The session's policy as it stood at each batch (a later event may change it), stored
    once per content however many events and sessions share it."""
    state, other = session(1), session(2)
    loosened = copy.copy(state)
    loosened.policy = LOOSER
    project(
        engine,
        (state, started(state)),
        (state, EventsReported(originator_version=2, items=[item(None)], received_at=RECEIVED)),
        (loosened, PolicyLoosened(originator_version=3, policy=LOOSER)),
        (loosened, EventsReported(originator_version=4, items=[item(None)], received_at=RECEIVED)),
        (other, started(other)),
        (other, EventsReported(originator_version=2, items=[item(None)] * 2, received_at=RECEIVED)),
    )
    analytics = SqlAnalytics(engine)
    for limit in (10, None):  # a page, and every match read in keyset pages
        listed, _ = analytics.events(
            "demo",
            video_id=7,
            enrollment_id=None,
            violated=None,
            since=None,
            event_types=[],
            search=None,
            limit=limit,
            offset=0,
        )
        policies = [(r["event_id"], r["policy_snapshot"]) for r in listed]
        assert policies == [(4, POLICY), (3, POLICY), (2, LOOSER), (1, POLICY)], limit
    with engine.connect() as conn:
        stored = conn.execute(select(t.playback_policies.c.policy)).scalars().all()
    assert sorted(map(repr, stored)) == sorted(map(repr, [POLICY, LOOSER]))
