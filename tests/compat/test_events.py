"""The player's events as the old player sent them, and the events list and one event as the old
admin pages read them: the seed's fields (``id`` an integer within JavaScript's safe range,
``policy_snapshot``, ``occurred_at`` the server's time), ``client_occurred_at`` added; and a
heartbeat after finishing a ``once`` video, which the old player reads as ``{"ok": true}``."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import Api

from .seed_answers import PLAYBACK_EVENT, PLAYBACK_EVENTS_STORED
from .shapes import assert_same_shape
from .test_playback import ALICE, play, start

SAFE_INTEGER = 2**53 - 1


def report(api: Api, token: str, events: list[dict[str, Any]]) -> Any:
    return play(api, "events", {"token": token, "events": events})


def test_the_events_list_and_one_event_as_the_old_admin_pages_read_them(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    # The old player's items: a type, its own time in Unix seconds, a payload.
    items: list[dict[str, Any]] = [
        {"type": "FOCUS_LOST", "occurred_at": 1, "payload": {"why": "tab"}},
        {"type": "SPEED_CHANGE_ATTEMPT", "payload": {"speed": 2.0}},
    ]
    stored = report(api, token, items)
    assert stored.status_code == 201, stored.text
    assert_same_shape(stored.json(), PLAYBACK_EVENTS_STORED)

    listed = api.call("GET", "/api/v1/video-playback-events/", params={"video": video}).json()
    assert len(listed) == 2
    for event in listed:
        assert_same_shape(event, PLAYBACK_EVENT)
        assert 0 < event["id"] <= SAFE_INTEGER
        assert event["policy_snapshot"] == start_policy(api, video)
        assert event["enrollment_id"] == ALICE
    # The server's time, not the player's "1" (1970): the old app stored timezone.now.
    assert all(e["occurred_at"] == e["received_at"] for e in listed)
    assert all(e["client_occurred_at"] <= e["occurred_at"] for e in listed)

    one = api.call("GET", f"/api/v1/video-playback-events/{listed[0]['id']}/")
    assert one.status_code == 200, one.text
    assert one.json() == listed[0]


def start_policy(api: Api, video: int) -> Any:
    """The effective policy a session of Alice's starts under (the snapshot her events carry)."""
    fresh = start(api, video, device="d2").json()
    assert play(api, "end", {"token": fresh["token"]}).status_code == 200
    return fresh["policy"]


def test_a_heartbeat_after_finishing_a_once_video_is_ok_for_the_old_player(api: Api) -> None:
    video = api.ready_video()
    body = {"video": video, "enrollment": ALICE, "rule": "once"}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    token = start(api, video).json()["token"]
    play(api, "heartbeat", {"token": token, "position": 1.0, "playback_rate": 1.0})
    [row] = api.call("GET", "/api/v1/video-progress/", params={"video": video}).json()
    done = api.call("PATCH", f"/api/v1/video-progress/{row['id']}", json={"completed": True})
    assert done.status_code == 200, done.text
    beat = play(api, "heartbeat", {"token": token, "position": 2.0, "playback_rate": 1.0})
    # The old player reads ``ok`` and nothing else; the new policy and token come beside it.
    assert beat.status_code == 200, beat.text
    assert beat.json()["ok"] is True
    assert set(beat.json()) <= {"ok", "policy", "token", "expires_at", "change"}
