"""Rules changed mid-session, over HTTP: a change that only loosens a student's rules comes with
the next heartbeat or refresh (``policy`` and a new ``token`` beside the usual fields), a
tightening is still 403 ``policy_changed`` (in-process session store; Redis and PostgreSQL:
tests/integration/test_policy_loosening_on_redis.py)."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.app.playback import PolicyUpdates

from .conftest import Api
from .test_playback import ALICE, BOB, play, start


def once_for_alice(api: Api) -> int:
    """A video that allows seeking, on which Alice's ``once`` bounds it until she completes."""
    video = api.ready_video()
    assert (
        api.call("PATCH", f"/api/v1/videos/{video}", json={"allow_skip": True}).status_code == 200
    )
    body = {"video": video, "enrollment": ALICE, "rule": "once"}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    return video


def test_a_student_who_completes_a_once_video_plays_on(api: Api) -> None:
    video = once_for_alice(api)
    started = start(api, video).json()
    assert started["policy"]["seek"]["mode"] == "bounded_forward"
    assert play(api, "heartbeat", started["token"], position=5).json() == {"ok": True}
    # Her progress reaches completion (here by a staff correction): once becomes free.
    [row] = api.call("GET", "/api/v1/video-progress/", params={"video": video}).json()
    corrected = api.call("PATCH", f"/api/v1/video-progress/{row['id']}", json={"completed": True})
    assert corrected.status_code == 200, corrected.text

    # The next heartbeat, with the start's token, carries the new policy and a new token.
    beat = play(api, "heartbeat", started["token"], position=6)
    assert beat.status_code == 200, beat.text
    body = beat.json()
    assert set(body) == {"ok", "policy", "token", "expires_at", "change"}
    assert body["ok"] is True and body["expires_at"] == started["expires_at"]
    assert body["change"] == "loosened"
    assert body["policy"]["seek"]["mode"] == "free"
    assert body["policy"] == {**started["policy"], "seek": body["policy"]["seek"]}
    token = body["token"]
    # From then on the player uses it, and every answer is the usual one.
    assert play(api, "heartbeat", token, position=7).json() == {"ok": True}
    events = play(api, "events", token, events=[{"type": "SEEK_ATTEMPT"}, {"type": "FOCUS_LOST"}])
    assert events.status_code == 201, events.text
    assert play(api, "heartbeat", token).json() == {"ok": True}  # no violation: seeking is free
    refreshed = play(api, "refresh", token).json()
    assert "policy" not in refreshed and refreshed["ok"] is True
    assert play(api, "end", refreshed["token"]).json() == {"ok": True}


def test_a_wider_cap_for_everyone_comes_with_a_heartbeat_or_a_refresh(api: Api) -> None:
    video = api.ready_video()
    alice, bob = start(api, video).json(), start(api, video, BOB).json()
    assert api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 2.0}).status_code == 200
    beat = play(api, "heartbeat", alice["token"]).json()
    assert beat["policy"]["playback_rate"] == {"max": 2.0, "ui_control": True}
    fresh = play(api, "refresh", bob["token"], BOB).json()
    assert fresh["policy"]["playback_rate"]["max"] == 2.0
    assert set(fresh) == {
        "ok",
        "token",
        "expires_at",
        "play_url",
        "media_query",
        "policy",
        "change",
    }
    assert fresh["change"] == "loosened"
    assert play(api, "heartbeat", fresh["token"], BOB).json() == {"ok": True}


def test_a_tightening_still_stops_the_session(api: Api) -> None:
    video = api.ready_video()
    alice, bob = start(api, video).json(), start(api, video, BOB).json()
    body = {"video_id": video, "enrollments": [ALICE], "rule": "blocked"}
    assert api.call("POST", "/api/v1/video-permissions/bulk_set/", json=body).status_code == 200
    calls: list[tuple[str, dict[str, Any]]] = [
        ("heartbeat", {}),
        ("refresh", {}),
        ("events", {"events": []}),
    ]
    for call, extra in calls:
        refused = play(api, call, alice["token"], **extra)
        assert (refused.status_code, refused.json()) == (403, {"detail": "policy_changed"}), call
    assert play(api, "heartbeat", bob["token"], BOB).json() == {"ok": True}
    assert play(api, "end", alice["token"]).json() == {"ok": True}  # the slot is freed


def test_a_mixed_change_is_a_tightening(api: Api) -> None:
    """Seeking given and the speed control taken away in one change: policy_changed."""
    video = api.ready_video()
    alice = start(api, video).json()
    body = {
        "video": video,
        "enrollment": ALICE,
        "rule": "free",
        "allow_skip_override": True,
        "block_speed_control": True,
    }
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    assert play(api, "heartbeat", alice["token"]).json() == {"detail": "policy_changed"}


def test_a_change_that_gives_the_student_nothing_swaps_the_token_quietly(api: Api) -> None:
    """The video's cap raised while Alice's own override keeps hers: new versions, the same
    rules for her. The answer swaps the token but says ``unchanged`` (the player announces
    nothing); a real loosening says ``loosened``."""
    video = api.ready_video()
    body = {"video": video, "enrollment": ALICE, "rule": "free", "max_speed_override": 1.0}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    alice, bob = start(api, video).json(), start(api, video, BOB).json()
    assert api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 2.0}).status_code == 200
    beat = play(api, "heartbeat", alice["token"]).json()
    assert beat["change"] == "unchanged" and beat["policy"] == alice["policy"]
    assert beat["token"] != alice["token"]
    assert play(api, "heartbeat", bob["token"], BOB).json()["change"] == "loosened"


def test_an_old_player_that_never_swaps_its_token_is_judged_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the session adopted the change (noted in the session store), its start token is as
    good as the new one: heartbeats and events under it load nothing, in any process."""
    video = api.ready_video()
    alice = start(api, video).json()
    assert api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 2.0}).status_code == 200
    assert "token" in play(api, "heartbeat", alice["token"]).json()
    api.app.playback.live.judge.forget()

    def loaded(*_: Any, **__: Any) -> Any:
        raise AssertionError("the slow path ran")

    for name in ("in_force", "adopt", "check", "check_claims"):
        monkeypatch.setattr(PolicyUpdates, name, loaded)
    for second in range(20):
        assert play(api, "heartbeat", alice["token"], position=second).json() == {"ok": True}
        events = play(api, "events", alice["token"], events=[{"type": "FOCUS_LOST"}])
        assert events.status_code == 201, events.text
