"""The audit API: an aggregate's stored events and a video as it was, admin only, tenant-scoped."""

from __future__ import annotations

from datetime import datetime

import pytest

from .conftest import STUDENTS, Api

ALICE = 101


def events(api: Api, path: str) -> list[dict[str, object]]:
    response = api.call("GET", f"/api/v1/audit/{path}")
    assert response.status_code == 200, response.text
    body: list[dict[str, object]] = response.json()
    return body


def test_a_videos_events_in_order_with_type_time_and_data(api: Api) -> None:
    video = api.ready_video(title="Limits")
    body = events(api, f"videos/{video}/events")
    assert [e["type"] for e in body] == [
        "Registered",
        "UploadConfirmed",
        "ProcessingStarted",
        "ProcessingCompleted",
    ]
    assert [e["version"] for e in body] == [1, 2, 3, 4]
    first = body[0]
    assert set(first) == {"version", "type", "timestamp", "data"}
    assert isinstance(first["timestamp"], str) and first["timestamp"].endswith("Z")
    datetime.fromisoformat(first["timestamp"])
    data = first["data"]
    assert isinstance(data, dict)
    assert data["title"] == "Limits" and data["tenant"] == "demo" and data["video_id"] == video
    # Served with and without the trailing slash.
    assert events(api, f"videos/{video}/events/") == body


def test_only_admins_of_the_videos_tenant_may_read_its_events(api: Api) -> None:
    video = api.ready_video()
    path = f"/api/v1/audit/videos/{video}/events"
    for role in ("staff", "student"):
        response = api.call("GET", path, role=role)
        assert (response.status_code, response.json()) == (403, {"detail": "forbidden"})
    response = api.call("GET", path, tenant="other")
    assert (response.status_code, response.json()) == (404, {"detail": "not_found"})
    response = api.call("GET", "/api/v1/audit/videos/999999/events")
    assert (response.status_code, response.json()) == (404, {"detail": "not_found"})
    assert api.client.get(path).status_code == 401


def test_a_playback_sessions_and_a_permissions_events(api: Api) -> None:
    video = api.ready_video()
    created = api.call(
        "POST", "/api/v1/video-permissions", json={"video": video, "enrollment": ALICE}
    )
    assert created.status_code == 201, created.text
    started = api.call(
        "POST",
        "/api/v1/playback/start/",
        role="student",
        user=STUDENTS[ALICE],
        json={"video_id": video, "enrollment_id": ALICE, "device_id": "d1"},
    )
    assert started.status_code == 201, started.text
    session = started.json()["session_id"]

    body = events(api, f"playback-sessions/{session}/events")
    assert body[0]["type"] == "Started" and body[0]["version"] == 1
    data = body[0]["data"]
    assert isinstance(data, dict) and data["session_id"] == session
    assert isinstance(data["started_at"], str)  # a datetime, as ISO text

    grant = events(api, f"permissions/{video}/{ALICE}/events/")
    assert grant[0]["version"] == 1 and len(grant) >= 1

    for path in (f"playback-sessions/{session}/events", f"permissions/{video}/{ALICE}/events"):
        response = api.call("GET", f"/api/v1/audit/{path}", tenant="other")
        assert (response.status_code, response.json()) == (404, {"detail": "not_found"})
        response = api.call("GET", f"/api/v1/audit/{path}", role="staff")
        assert response.status_code == 403
    response = api.call("GET", "/api/v1/audit/playback-sessions/nope/events")
    assert response.status_code == 404


def test_a_video_as_it_was_at_a_version_and_at_a_time(api: Api) -> None:
    video = api.ready_video(title="Limits")
    path = f"/api/v1/audit/videos/{video}/state"
    response = api.call("GET", path, params={"version": 1})
    assert response.status_code == 200, response.text
    first = response.json()
    assert first["id"] == video and first["version"] == 1
    assert first["state"]["status"] == "PENDING" and first["state"]["title"] == "Limits"
    assert first["created_at"] == first["updated_at"]

    now = api.call("GET", path + "/").json()
    assert now["version"] == 4 and now["state"]["status"] == "READY"
    later = api.call("GET", path, params={"at": "2999-01-01T00:00:00Z"}).json()
    assert later == now
    at_creation = api.call("GET", path, params={"at": first["created_at"]}).json()
    assert at_creation["version"] == 1

    # Before it existed, or a version it never had.
    for params in ({"at": "2000-01-01T00:00:00+00:00"}, {"version": 5}):
        response = api.call("GET", path, params=params)
        assert (response.status_code, response.json()) == (404, {"detail": "not_found"})
    response = api.call("GET", path, tenant="other", params={"version": 1})
    assert (response.status_code, response.json()) == (404, {"detail": "not_found"})
    assert api.call("GET", path, role="staff").status_code == 403


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"version": "0"}, "version"),
        ({"version": "abc"}, "version"),
        ({"version": "-1"}, "version"),
        ({"at": "yesterday"}, "at"),
        ({"at": "x" * 100}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),  # before the first UTC time there is
        ({"version": "1", "at": "2024-01-01T00:00:00Z"}, "version"),
    ],
)
def test_a_bad_version_or_time_is_a_400_naming_it(
    api: Api, params: dict[str, str], named: str
) -> None:
    video = api.ready_video()
    response = api.call("GET", f"/api/v1/audit/videos/{video}/state", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(named)
