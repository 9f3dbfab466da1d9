"""Playback over HTTP: start and its denials, the token's checks, refresh, heartbeat with
progress, end, events with revocation (in-process session store; Redis: tests/integration)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from .conftest import STUDENTS, Api

ALICE, BOB = 101, 102


def start(
    api: Api, video: int, enrollment: int = ALICE, *, user: int | None = None, device: str = "d1"
) -> Any:
    return api.call(
        "POST",
        "/api/v1/playback/start/",
        role="student",
        user=user or STUDENTS[enrollment],
        json={"video_id": video, "enrollment_id": enrollment, "device_id": device},
    )


def play(api: Api, path: str, token: str, enrollment: int = ALICE, **body: Any) -> Any:
    return api.call(
        "POST",
        f"/api/v1/playback/{path}/",
        role="student",
        user=STUDENTS[enrollment],
        json={"token": token, **body},
    )


def seeking_blocked(api: Api) -> int:
    """A ready video on which Alice may not seek: every SEEK_ATTEMPT of hers is a violation."""
    video = api.ready_video()
    body = {"video": video, "enrollment": ALICE, "block_seek": True}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    return video


def test_start_gives_a_token_the_policy_and_the_play_url(api: Api) -> None:
    video = api.ready_video()
    response = start(api, video)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"token", "session_id", "expires_at", "policy", "play_url", "media_query"}
    assert (
        body["policy"]["seek"]["mode"] == "free" and body["policy"]["playback_rate"]["max"] == 1.0
    )
    assert body["policy"]["concurrency"] == {"max_sessions": 2, "max_devices": 2}
    assert body["play_url"].endswith(f"hls/demo/videos/{video}/master.m3u8")


@pytest.mark.parametrize(
    ("setup", "body", "status", "detail"),
    [
        (None, {"enrollment_id": ALICE, "device_id": "d"}, 400, "video_id_required"),
        (
            None,
            {"video_id": "{video}", "enrollment_id": BOB, "device_id": "d"},
            403,
            "enrollment_mismatch",
        ),
        (
            "no_access",
            {"video_id": "{video}", "enrollment_id": ALICE, "device_id": "d"},
            403,
            "no_session_access",
        ),
        (
            "blocked",
            {"video_id": "{video}", "enrollment_id": ALICE, "device_id": "d"},
            403,
            "blocked",
        ),
        (
            "inactive",
            {"video_id": "{video}", "enrollment_id": ALICE, "device_id": "d"},
            403,
            "enrollment_mismatch",
        ),
        (
            None,
            {"video_id": "{pending}", "enrollment_id": ALICE, "device_id": "d"},
            403,
            "video_not_ready",
        ),
    ],
)
def test_start_denials(
    api: Api, setup: str | None, body: dict[str, Any], status: int, detail: str
) -> None:
    video = api.ready_video()
    pending = api.app.uploads.init(
        tenant="demo", session_id=10, title="P", filename="p.mp4"
    ).video.video_id
    if setup == "no_access":
        api.call(
            "PUT",
            "/api/v1/directory/session-access",
            json={"session_id": 10, "enrollment_id": ALICE, "granted": False},
        )
    elif setup == "blocked":
        api.call(
            "POST",
            "/api/v1/video-permissions/",
            json={"video": video, "enrollment": ALICE, "rule": "blocked"},
        )
    elif setup == "inactive":
        api.call(
            "PUT",
            f"/api/v1/directory/enrollments/{ALICE}",
            json={"student_id": 601, "lecture_id": 1, "status": "INACTIVE"},
        )
    body = {
        k: {"{video}": video, "{pending}": pending}.get(v, v) if isinstance(v, str) else v
        for k, v in body.items()
    }
    response = api.call(
        "POST", "/api/v1/playback/start/", role="student", user=STUDENTS[ALICE], json=body
    )
    assert (response.status_code, response.json()) == (status, {"detail": detail})


def test_device_and_concurrency_limits(api: Api) -> None:
    video = api.ready_video()
    assert start(api, video, device="phone").status_code == 201
    assert start(api, video, device="laptop").status_code == 201
    third = start(api, video, device="tablet")
    assert (third.status_code, third.json()) == (409, {"detail": "device_limit_exceeded"})
    again = start(api, video, device="phone")  # a device in use does not count twice
    assert (again.status_code, again.json()) == (409, {"detail": "concurrency_limit_exceeded"})


def test_refresh_heartbeat_progress_and_end(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    refreshed = play(api, "refresh", token)
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"ok", "token", "expires_at", "play_url", "media_query"}
    assert refreshed.json()["ok"] is True and refreshed.json()["token"]
    for position in (0, 1.5):
        assert play(api, "heartbeat", token, position=position, playback_rate=1.0).json() == {
            "ok": True
        }
    progress = api.call("GET", "/api/v1/video-progress/", params={"video": video}).json()
    assert [p["enrollment"] for p in progress] == [ALICE]
    assert play(api, "end", token).json() == {"ok": True}
    after = play(api, "heartbeat", token)
    assert (after.status_code, after.json()) == (409, {"detail": "session_inactive"})


def test_token_checks(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    bob_token = start(api, video, BOB).json()["token"]
    assert play(api, "heartbeat", "").json() == {"detail": "token_required"}
    assert play(api, "heartbeat", "garbage").json() == {"detail": "invalid_token"}
    stolen = play(api, "heartbeat", token, BOB)  # Bob presents Alice's token
    assert (stolen.status_code, stolen.json()) == (403, {"detail": "invalid_token"})
    assert play(api, "heartbeat", token).json() == {"ok": True}  # versions now cached (Redis)
    # A grant change stales only that student's token …
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": ALICE, "rule": "once"},
    )
    assert play(api, "heartbeat", token).json() == {"detail": "policy_changed"}
    assert play(api, "heartbeat", bob_token, BOB).json() == {"ok": True}
    # … a video-wide tightening stales everyone's (a loosening goes on: test_policy_loosening).
    api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 0.5})
    assert play(api, "heartbeat", bob_token, BOB).json() == {"detail": "policy_changed"}


@pytest.mark.parametrize("change", ["PATCH", "PUT", "DELETE", "bulk_set"])
def test_every_permission_change_stales_only_that_students_tokens(api: Api, change: str) -> None:
    """Each change tightens Alice's rules (once bounds seeking; without the grant, its wider
    cap goes), so her token is refused; Bob's is untouched."""
    video = api.ready_video()
    path = "/api/v1/video-permissions/"
    grant = {"video": video, "enrollment": ALICE, "rule": "free", "max_speed_override": 2.0}
    pid = api.call("POST", path, json=grant).json()["id"]
    alice, bob = start(api, video).json()["token"], start(api, video, BOB).json()["token"]
    if change == "bulk_set":
        bulk = {"video_id": video, "enrollments": [ALICE], "rule": "once"}
        changed = api.call("POST", f"{path}bulk_set/", json=bulk)
    else:
        changed = api.call(
            change, f"{path}{pid}/", json=None if change == "DELETE" else {"rule": "once"}
        )
    assert changed.status_code in (200, 204), changed.text
    calls: list[tuple[str, dict[str, Any]]] = [
        ("refresh", {}),
        ("heartbeat", {}),
        ("events", {"events": [{"type": "FOCUS_LOST"}]}),
    ]
    for call, body in calls:
        stale = play(api, call, alice, **body)
        assert (stale.status_code, stale.json()) == (403, {"detail": "policy_changed"}), call
        assert play(api, call, bob, BOB, **body).status_code in (200, 201), call


def test_too_many_violations_among_few_events_revoke_by_ratio(api: Api) -> None:
    """violated / total ≥ 0.5 revokes, before the count reaches 3."""
    video = seeking_blocked(api)
    token = start(api, video).json()["token"]
    quiet = [{"type": "FOCUS_GAINED"}] * 2
    assert play(api, "events", token, events=[{"type": "SEEK_ATTEMPT"}, *quiet]).status_code == 201
    assert play(api, "heartbeat", token).json() == {"ok": True}  # 1 of 3
    assert play(api, "events", token, events=[{"type": "SEEK_ATTEMPT"}]).status_code == 201
    revoked = play(api, "heartbeat", token)  # 2 of 4
    assert (revoked.status_code, revoked.json()) == (409, {"detail": "session_inactive"})


def test_events_are_stored_and_enough_violations_revoke(api: Api) -> None:
    video = seeking_blocked(api)
    token = start(api, video).json()["token"]
    stored = play(
        api,
        "events",
        token,
        events=[
            {"type": "VISIBILITY_HIDDEN", "occurred_at": 1_700_000_000},
            {"type": "FOCUS_LOST", "payload": {"a": 1}},
        ],
    )
    assert (stored.status_code, stored.json()) == (201, {"stored": 2})
    unknown = play(api, "events", token, events=[{"type": "TELEPORT"}])
    assert unknown.status_code == 400
    for count in (201, 10_001):
        too_many = play(api, "events", token, events=[{"type": "FOCUS_LOST"}] * count)
        assert (too_many.status_code, too_many.json()) == (413, {"detail": "batch_too_large"})
    # Seeking is blocked for Alice: violations accumulate across batches and revoke at 3.
    for _ in range(3):
        play(api, "events", token, events=[{"type": "SEEK_ATTEMPT"}])
    revoked = play(api, "heartbeat", token)
    assert (revoked.status_code, revoked.json()) == (409, {"detail": "session_inactive"})


def test_a_player_clock_can_neither_hide_events_nor_stop_the_analytics(api: Api) -> None:
    """Times outside the session's life are kept within it: a backdated violation still shows in
    the last 24 hours and the risk list, and a time no date can hold stops no read model."""
    video = seeking_blocked(api)
    token = start(api, video).json()["token"]
    for when in (0, -1e12, 1e300):
        batch = [{"type": "SEEK_ATTEMPT", "occurred_at": when}] + [{"type": "FOCUS_GAINED"}] * 2
        assert play(api, "events", token, events=batch).status_code == 201
    params = {"video": video, "range": "24h"}
    listed = api.call("GET", "/api/v1/video-playback-events/", params=params).json()
    assert sorted(e["event_type"] for e in listed) == ["FOCUS_GAINED"] * 6 + ["SEEK_ATTEMPT"] * 3
    risk = api.call("GET", "/api/v1/video-playback-events/risk/", params=params).json()
    assert [(r["enrollment_id"], r["danger"]) for r in risk] == [(ALICE, 3)]


def test_starts_are_rate_limited_per_user(api: Api) -> None:
    """A user opening sessions in a loop is refused (429) before any work; others are not."""
    video = api.ready_video()
    api.app.playback.starts.settings = replace(
        api.app.playback.starts.settings, start_rate_per_minute=3
    )
    codes = [start(api, video, device="d1").status_code for _ in range(3)]
    assert codes == [201, 201, 409]  # the third: the concurrency limit (2), but counted
    limited = start(api, video, device="d1")
    assert (limited.status_code, limited.json()) == (429, {"detail": "rate_limited"})
    assert start(api, video, BOB).status_code == 201
