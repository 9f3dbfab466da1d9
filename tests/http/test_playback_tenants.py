"""User ids are each tenant's own: Alice (user 1001 of ``demo``) and her twin (user 1001 of
``other``) are two students. Their limits are counted apart, one's playback token is refused
for the other, and ending, revoking or expiring one's session leaves the other's alone
(in-process session store; Redis: tests/integration/test_playback_on_redis.py)."""

from __future__ import annotations

from typing import Any

from academy_video.domain.playback_session import SessionStatus

from .conftest import OTHER_SESSION, STUDENTS, Api
from .test_playback import ALICE, play, seeking_blocked, start

USER = STUDENTS[ALICE]  # the same user id in both tenants
TWIN = 901  # the twin's enrollment (tenant other)


def enroll_twin(api: Api) -> int:
    """Tenant other's student with Alice's user id, with access to its session; returns a
    ready video of that session."""
    for path, body in (
        ("students/901", {"user_id": USER, "name": "Twin"}),
        ("enrollments/901", {"student_id": 901, "lecture_id": 2, "status": "ACTIVE"}),
        ("session-access", {"session_id": OTHER_SESSION, "enrollment_id": TWIN, "granted": True}),
    ):
        response = api.call("PUT", f"/api/v1/directory/{path}", tenant="other", json=body)
        assert response.status_code == 200, response.text
    return api.ready_video(session=OTHER_SESSION, tenant="other")


def twin_start(api: Api, video: int, device: str = "t1") -> Any:
    return api.call(
        "POST",
        "/api/v1/playback/start/",
        role="student",
        tenant="other",
        user=USER,
        json={"video_id": video, "enrollment_id": TWIN, "device_id": device},
    )


def twin_play(api: Api, path: str, token: str, **body: Any) -> Any:
    return api.call(
        "POST",
        f"/api/v1/playback/{path}/",
        role="student",
        tenant="other",
        user=USER,
        json={"token": token, **body},
    )


def test_each_tenants_student_has_limits_of_their_own(api: Api) -> None:
    ours, theirs = api.ready_video(), enroll_twin(api)
    # Alice fills her two sessions (max_sessions=2) ...
    assert start(api, ours, device="d1").status_code == 201
    assert start(api, ours, device="d2").status_code == 201
    full = start(api, ours, device="d1")
    assert (full.status_code, full.json()) == (409, {"detail": "concurrency_limit_exceeded"})
    # ... and her twin still has both of theirs, then is refused alike.
    assert twin_start(api, theirs, "t1").status_code == 201
    assert twin_start(api, theirs, "t2").status_code == 201
    third = twin_start(api, theirs, "t1")
    assert (third.status_code, third.json()) == (409, {"detail": "concurrency_limit_exceeded"})


def test_one_tenants_token_is_refused_for_the_same_user_id_of_another(api: Api) -> None:
    ours, theirs = api.ready_video(), enroll_twin(api)
    alice_started, twin_started = start(api, ours).json(), twin_start(api, theirs).json()
    alice, twin = alice_started["token"], twin_started["token"]
    for path, body in (
        ("refresh", {}),
        ("heartbeat", {"position": 5}),
        ("events", {"events": [{"type": "FOCUS_LOST"}]}),
        ("end", {}),
    ):
        stolen = twin_play(api, path, alice, **body)
        assert (stolen.status_code, stolen.json()) == (403, {"detail": "invalid_token"}), path
        borrowed = play(api, path, twin, **body)
        assert (borrowed.status_code, borrowed.json()) == (403, {"detail": "invalid_token"}), path
    # Nothing happened to either session: no event stored, neither ended.
    for started in (alice_started, twin_started):
        session = api.app.sessions.get(started["session_id"])
        assert (session.status, session.events_total) == (SessionStatus.ACTIVE, 0)
    assert play(api, "heartbeat", alice).status_code == 200
    assert twin_play(api, "heartbeat", twin).status_code == 200


def test_ending_or_revoking_one_students_session_leaves_the_others_playing(api: Api) -> None:
    ours, theirs = seeking_blocked(api), enroll_twin(api)
    alice = start(api, ours).json()["token"]
    twin = twin_start(api, theirs).json()["token"]
    assert twin_play(api, "end", twin).status_code == 200
    assert play(api, "heartbeat", alice).status_code == 200
    twin = twin_start(api, theirs).json()["token"]
    for _ in range(3):  # Alice's third violation revokes her session
        play(api, "events", alice, events=[{"type": "SEEK_ATTEMPT"}])
    revoked = play(api, "heartbeat", alice)
    assert (revoked.status_code, revoked.json()) == (409, {"detail": "session_inactive"})
    assert twin_play(api, "heartbeat", twin).status_code == 200
    assert twin_play(api, "refresh", twin).status_code == 200


def test_reconcile_asks_the_store_about_each_student_under_their_tenant(api: Api) -> None:
    ours, theirs = api.ready_video(), enroll_twin(api)
    alice = start(api, ours).json()
    twin = twin_start(api, theirs).json()
    app = api.app
    assert app.playback.reconciliation.reconcile() == (0, 0)  # both live, each under its own tenant
    # The twin's player went away (its liveness is gone); Alice plays on.
    app.store.end(tenant="other", user_id=USER, session_id=twin["session_id"])
    assert app.playback.reconciliation.reconcile() == (1, 0)
    assert app.sessions.get(twin["session_id"]).status == SessionStatus.EXPIRED
    assert app.sessions.get(alice["session_id"]).status == SessionStatus.ACTIVE
    assert play(api, "heartbeat", alice["token"]).status_code == 200
