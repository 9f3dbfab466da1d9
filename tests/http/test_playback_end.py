"""The end of a session over HTTP: the old app's body answers as it did, and an end may carry the
player's last queued events (``events``, an addition: a page that closes sends one request),
bounded and judged as ``/playback/events`` bounds and judges a batch, stored before the session
ends (in-process stores; Redis and PostgreSQL: tests/integration)."""

from __future__ import annotations

from typing import Any

import pytest

from . import test_event_budget as budgets
from .conftest import Api
from .test_event_budget import batch, stored
from .test_playback import play, seeking_blocked, start

# The events call's small budgets, from the start of a minute (test_event_budget.py); the Redis
# and PostgreSQL run replaces ``stores``.
api, stores = budgets.api, budgets.stores


def session_over(api: Api, token: str) -> bool:
    after = play(api, "heartbeat", token)
    assert after.status_code in (200, 409), after.text
    return bool(after.status_code == 409 and after.json() == {"detail": "session_inactive"})


def test_the_old_apps_end_answers_as_it_did(api: Api) -> None:
    """The old clients send ``{"token"}`` (and whatever else they kept, ignored as DRF did)."""
    token = start(api, api.ready_video()).json()["token"]
    ended = play(api, "end", token, session_id="whatever", position=3)
    assert (ended.status_code, ended.json()) == (200, {"ok": True})
    assert session_over(api, token)
    again = play(api, "end", token)
    assert (again.status_code, again.json()) == (409, {"detail": "session_inactive"})


def test_an_end_with_events_stores_them_and_then_ends(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    ended = play(api, "end", token, events=batch(0, 3))
    assert (ended.status_code, ended.json()) == (200, {"ok": True, "stored": 3})
    assert set(stored(api, video)) == {(0, i) for i in range(3)}
    assert session_over(api, token)
    assert play(api, "end", token, events=[]).status_code == 409  # nothing left to end


def test_an_end_with_an_empty_list_says_none_were_stored(api: Api) -> None:
    token = start(api, api.ready_video()).json()["token"]
    assert play(api, "end", token, events=[]).json() == {"ok": True, "stored": 0}
    assert session_over(api, token)


@pytest.mark.parametrize(
    ("events", "status", "detail"),
    [
        (batch(0, 11), 413, "batch_too_large"),
        (
            [{"type": "FOCUS_LOST", "payload": {"details": "x" * 64}}],
            413,
            "event_payload_too_large",
        ),
        ([{"type": "TELEPORT"}], 400, None),
        ([{"type": "FOCUS_LOST", "occurred_at": "soon"}], 400, None),
        ([{"type": "x" * 65}], 400, None),
        ([[1, 2]], 400, None),
    ],
)
def test_events_the_events_call_refuses_refuse_the_end_alike(
    api: Api, events: list[Any], status: int, detail: str | None
) -> None:
    """The same answer as ``/playback/events`` gives the same batch; nothing stored, nothing
    ended (the player's end sent right is then taken)."""
    video = api.ready_video()
    token = start(api, video).json()["token"]
    as_batch = play(api, "events", token, events=events)
    refused = play(api, "end", token, events=events)
    assert (refused.status_code, refused.json()) == (as_batch.status_code, as_batch.json())
    assert refused.status_code == status
    if detail:
        assert refused.json() == {"detail": detail}
    assert not stored(api, video)
    assert not session_over(api, token)
    assert play(api, "end", token, events=batch(1, 1)).json() == {"ok": True, "stored": 1}


def test_an_end_over_the_body_limit_is_413_and_ends_nothing(api: Api) -> None:
    token = start(api, api.ready_video()).json()["token"]
    huge = [{"type": "FOCUS_LOST", "payload": {"x": "y" * 1_048_576}}]
    refused = play(api, "end", token, events=huge)
    assert (refused.status_code, refused.json()) == (413, {"detail": "request_too_large"})
    assert not session_over(api, token)


def test_past_the_minute_budget_the_events_are_dropped_and_the_session_ends(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    assert play(api, "events", token, events=batch(0)).status_code == 201
    assert play(api, "events", token, events=batch(1)).status_code == 201
    ended = play(api, "end", token, events=batch(2, 5))
    assert (ended.status_code, ended.json()) == (
        200,
        {"ok": True, "stored": 0, "events_refused": "rate_limited"},
    )
    assert set(stored(api, video)) == {(b, i) for b in (0, 1) for i in range(10)}
    assert session_over(api, token)


def test_past_the_session_total_the_events_are_dropped_and_the_session_ends(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    for mark in range(3):  # a minute apart: within the per-minute budget
        assert play(api, "events", token, events=batch(mark)).status_code == 201
        api.app.playback.live.clock.advance(60)  # type: ignore[attr-defined]
    ended = play(api, "end", token, events=batch(3, 6))  # 30 + 6 > 35
    assert ended.json() == {"ok": True, "stored": 0, "events_refused": "event_budget_exhausted"}
    assert session_over(api, token)


SEEKS = [{"type": "SEEK_ATTEMPT", "payload": {"b": 0, "i": i}} for i in range(3)]  # violations


def test_events_that_revoke_the_session_are_stored_and_say_so(api: Api) -> None:
    video = seeking_blocked(api)
    token = start(api, video).json()["token"]
    ended = play(api, "end", token, events=SEEKS)
    assert ended.json() == {"ok": True, "stored": 3, "revoked": True}
    assert set(stored(api, video)) == {(0, i) for i in range(3)}
    assert session_over(api, token)


def test_an_end_with_events_of_a_revoked_session_stores_nothing(api: Api) -> None:
    video = seeking_blocked(api)
    token = start(api, video).json()["token"]
    assert play(api, "events", token, events=SEEKS).status_code == 201  # revoked now
    refused = play(api, "end", token, events=batch(1, 2))
    assert (refused.status_code, refused.json()) == (409, {"detail": "session_inactive"})
    assert set(stored(api, video)) == {(0, i) for i in range(3)}


def test_the_end_declares_its_bounds_in_the_schema(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/api/v1/playback/end"]["post"]
    assert "413" in operation["responses"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert "events" in schema["components"]["schemas"][ref]["properties"]
