"""A student leaves: the end of a session may carry the player's last queued events (a page that
closes sends one request, so its events cannot arrive after the end). They are judged and stored
as a batch of player events would be, then the session ends; bad input refuses the whole call;
events the session's state or the student's budget refuses are dropped, and the session still
ends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from academy_video.app.errors import Conflict, Denied, Invalid, TooLarge
from academy_video.app.playback import Ended, Started
from academy_video.domain.event_budget import PayloadTooLarge
from academy_video.domain.playback_session import SessionStatus
from academy_video.domain.policy import GrantRules, Rule

from .conftest import ALICE, TENANT, USERS, World
from .test_event_budget import Budgeted, budgeted, charged  # noqa: F401 (budgeted: a fixture)
from .test_playback import events, start


def leave(world: World, started: Started, batch: list[dict[str, Any]]) -> Ended:
    """Alice's end with events, run to completion."""
    ending = world.app.playback.live.end_with_events(
        tenant=TENANT, user_id=USERS[ALICE], token=started.token, events=batch
    )
    return asyncio.run(ending)


def history(world: World, started: Started) -> list[str]:
    session = world.app.sessions.get(started.session_id)
    return [type(e).__name__ for e in world.app.sessions.repository.event_store.get(session.id)]


def status(world: World, started: Started) -> SessionStatus:
    return world.app.sessions.get(started.session_id).status


def still_live(world: World, started: Started) -> None:
    world.heartbeat(user_id=USERS[ALICE], token=started.token)


def test_the_events_an_end_carries_are_stored_and_then_the_session_ends(world: World) -> None:
    started = start(world, world.ready_video())
    ended = leave(world, started, events("FOCUS_LOST", "VISIBILITY_HIDDEN"))
    assert ended == Ended(stored=2)
    assert history(world, started) == ["Started", "EventsReported", "Ended"]
    assert world.app.sessions.get(started.session_id).events_total == 2
    with pytest.raises(Conflict, match="session_inactive"):
        still_live(world, started)
    # Its slot is free: two more sessions fit the limit of two.
    start(world, world.ready_video())
    start(world, world.ready_video())


def test_an_end_with_no_events_is_an_end(world: World) -> None:
    started = start(world, world.ready_video())
    assert leave(world, started, []) == Ended(stored=0)
    assert history(world, started) == ["Started", "Ended"]


@pytest.mark.parametrize(
    ("batch", "refusal", "code"),
    [
        (events("FOCUS_LOST") * 201, TooLarge, "batch_too_large"),
        ([{"type": "TELEPORT"}], Invalid, "events.type"),
        ([{"type": "FOCUS_LOST", "payload": [1]}], Invalid, "events.payload"),
        (
            [{"type": "FOCUS_LOST", "payload": {"x": "y" * 5000}}],
            PayloadTooLarge,
            "event_payload_too_large",
        ),
    ],
)
def test_too_many_or_bad_events_refuse_the_whole_end_as_the_events_call_would(
    world: World, batch: list[dict[str, Any]], refusal: type[Exception], code: str
) -> None:
    """Input the events call refuses is a client's fault, answered alike: nothing is stored and
    the session is not ended (the same call sent right is taken)."""
    started = start(world, world.ready_video())
    with pytest.raises(refusal) as refused:
        world.report_events(user_id=USERS[ALICE], token=started.token, events=batch)
    assert getattr(refused.value, "code", None) == code
    with pytest.raises(refusal) as refused:
        leave(world, started, batch)
    assert getattr(refused.value, "code", None) == code
    assert history(world, started) == ["Started"]
    still_live(world, started)
    assert leave(world, started, events("FOCUS_LOST")) == Ended(stored=1)


@pytest.mark.parametrize("gone", ["ended", "revoked"])
def test_an_end_with_events_of_a_session_already_over_stores_nothing(
    world: World, gone: str
) -> None:
    started = start(world, world.ready_video())
    user, token = USERS[ALICE], started.token
    if gone == "ended":
        world.app.playback.live.end(tenant=TENANT, user_id=user, token=token)
    else:
        world.app.sessions.revoke(started.session_id, reason="staff", now=world.clock.now())
    before = history(world, started)
    with pytest.raises(Conflict, match="session_inactive"):
        leave(world, started, events("FOCUS_LOST"))
    assert history(world, started) == before


def test_events_that_revoke_the_session_leave_nothing_to_end(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    started = start(world, video)
    assert leave(world, started, events(*["SEEK_ATTEMPT"] * 3)) == Ended(stored=3, revoked=True)
    assert status(world, started) == SessionStatus.REVOKED
    assert history(world, started) == ["Started", "EventsReported", "Revoked"]
    start(world, video)  # no slot held: the limit of two fits two more
    start(world, video)


def test_past_the_minute_budget_the_events_are_dropped_and_the_session_still_ends(
    budgeted: Budgeted,  # noqa: F811 (the fixture imported above)
) -> None:
    world = budgeted(event_rate_per_minute=10)
    started = start(world, world.ready_video())
    assert (
        world.report_events(
            user_id=USERS[ALICE], token=started.token, events=events("FOCUS_LOST") * 8
        )
        == 8
    )
    assert leave(world, started, events("FOCUS_LOST") * 3) == Ended(events_refused="rate_limited")
    assert history(world, started) == ["Started", "EventsReported", "Ended"]
    assert charged(world) == 8  # the refused events cost nothing


def test_past_the_session_total_the_events_are_dropped_and_the_session_still_ends(
    budgeted: Budgeted,  # noqa: F811 (the fixture imported above)
) -> None:
    world = budgeted(event_rate_per_minute=60, event_session_max=10)
    started = start(world, world.ready_video())
    assert (
        world.report_events(
            user_id=USERS[ALICE], token=started.token, events=events("FOCUS_LOST") * 8
        )
        == 8
    )
    ended = leave(world, started, events("FOCUS_LOST") * 3)
    assert ended == Ended(events_refused="event_budget_exhausted")
    assert history(world, started) == ["Started", "EventsReported", "Ended"]
    assert charged(world) == 8


def test_under_rules_that_tightened_the_events_are_refused_and_the_session_still_ends(
    world: World,
) -> None:
    """As the plain end, the end with events ignores a stale policy; the events are judged as
    their own call would be: ``policy_changed``."""
    video = world.ready_video()
    started = start(world, video)
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(block_seek=True)
    )
    with pytest.raises(Denied, match="policy_changed"):
        world.report_events(user_id=USERS[ALICE], token=started.token, events=events("FOCUS_LOST"))
    assert leave(world, started, events("FOCUS_LOST")) == Ended(events_refused="policy_changed")
    assert status(world, started) == SessionStatus.ENDED


def test_a_session_the_live_side_lost_ends_without_its_events(world: World) -> None:
    """The live side no longer holds the session (its store was lost): the events are refused
    as their own call would be, and the record, still active, is ended."""
    started = start(world, world.ready_video())
    live = world.app.playback.live
    live.store.end(tenant=TENANT, user_id=USERS[ALICE], session_id=started.session_id)
    assert leave(world, started, events("FOCUS_LOST")) == Ended(events_refused="session_inactive")
    assert history(world, started) == ["Started", "Ended"]


def test_a_token_refused_refuses_the_end_and_stores_nothing(world: World) -> None:
    started = start(world, world.ready_video())
    ending = world.app.playback.live.end_with_events(
        tenant=TENANT, user_id=USERS[ALICE] + 1, token=started.token, events=events("FOCUS_LOST")
    )
    with pytest.raises(Denied, match="invalid_token"):
        asyncio.run(ending)
    assert history(world, started) == ["Started"]
