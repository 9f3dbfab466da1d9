"""Tenant isolation across every endpoint that addresses a tenant's object: role × endpoint ×
own/other tenant, generated from the app's routes.

Tenant ``other`` holds a READY video, a permission, a progress record and a playback session.
Callers of tenant ``demo`` (admin, staff, student) addressing them get 404 (or 403 where their
role may not use the endpoint at all): never a 2xx, never a 5xx, never another tenant's data.
The same requests on ``demo``'s own objects reach the handler (the control). A new route with an
object id that this table does not cover fails the test, so isolation is checked by default."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_video.adapters.http.auth import Role
from academy_video.domain.progress import Sample

from .conftest import OTHER_SESSION, Api
from .test_playback import start

OTHER_ENROLLMENT, OTHER_USER = 900, 9000
ALICE = 101

# Route template → (request body, a query string). ``{video}``, ``{permission}``,
# ``{progress}``, ``{session}``, ``{enrollment}``, ``{event}`` are filled with either tenant's
# objects.
COVERED: dict[tuple[str, str], tuple[dict[str, Any] | None, str]] = {
    ("GET", "/api/v1/videos/{video_id:int}"): (None, ""),
    ("PATCH", "/api/v1/videos/{video_id:int}"): ({"title": "renamed"}, ""),
    ("PUT", "/api/v1/videos/{video_id:int}"): ({"title": "renamed", "id": "{video}"}, ""),
    ("DELETE", "/api/v1/videos/{video_id:int}"): (None, ""),
    ("POST", "/api/v1/videos/{video_id:int}/upload/complete"): ({}, ""),
    ("POST", "/api/v1/videos/{video_id:int}/retry"): ({}, ""),
    ("POST", "/api/v1/videos/{video_id:int}/upload/multipart"): ({"size": 10_000_000}, ""),
    (
        "POST",
        "/api/v1/videos/{video_id:int}/upload/multipart/complete",
    ): ({"upload_id": "u", "parts": [{"part_number": 1, "etag": "e"}]}, ""),
    ("POST", "/api/v1/videos/{video_id:int}/upload/multipart/abort"): ({"upload_id": "u"}, ""),
    ("GET", "/api/v1/videos/{video_id:int}/stats"): (None, ""),
    ("GET", "/api/v1/videos/{video_id:int}/summary"): (None, ""),
    ("GET", "/api/v1/videos/{video_id:int}/achievement"): (None, ""),
    ("GET", "/api/v1/videos/{video_id:int}/policy-impact"): (None, ""),
    ("GET", "/api/v1/videos/{video_id:int}/delivery"): (None, ""),
    ("GET", "/api/v1/video-permissions/{permission_id:int}"): (None, ""),
    ("PATCH", "/api/v1/video-permissions/{permission_id:int}"): ({"rule": "blocked"}, ""),
    (
        "PUT",
        "/api/v1/video-permissions/{permission_id:int}",
    ): ({"video": "{video}", "enrollment": "{enrollment}", "rule": "blocked"}, ""),
    ("DELETE", "/api/v1/video-permissions/{permission_id:int}"): (None, ""),
    ("GET", "/api/v1/video-progress/{progress_id:int}"): (None, ""),
    ("PATCH", "/api/v1/video-progress/{progress_id:int}"): ({"progress": 0.5}, ""),
    ("PUT", "/api/v1/video-progress/{progress_id:int}"): ({"progress": 0.5}, ""),
    ("GET", "/api/v1/video-playback-events/{event_id:int}"): (None, ""),
    ("GET", "/api/v1/video-playback-events/risk"): (None, "video={video}"),
    ("GET", "/api/v1/video-playback-events/export"): (None, "video={video}"),
    ("GET", "/api/v1/audit/videos/{video_id:int}/events"): (None, ""),
    ("GET", "/api/v1/audit/videos/{video_id:int}/state"): (None, "version=1"),
    ("GET", "/api/v1/audit/playback-sessions/{session_id:str}/events"): (None, ""),
    (
        "GET",
        "/api/v1/audit/permissions/{video_id:int}/{enrollment_id:int}/events",
    ): (None, ""),
    ("GET", "/api/v1/audit/webhooks/{webhook_id:uuid}/events"): (None, ""),
    ("GET", "/api/v1/webhooks/{webhook_id:uuid}"): (None, ""),
    ("PATCH", "/api/v1/webhooks/{webhook_id:uuid}"): ({"description": "mine now"}, ""),
    ("DELETE", "/api/v1/webhooks/{webhook_id:uuid}"): (None, ""),
    ("POST", "/api/v1/webhooks/{webhook_id:uuid}/rotate-secret"): (None, ""),
    ("POST", "/api/v1/webhooks/{webhook_id:uuid}/test"): (None, ""),
    ("POST", "/api/v1/webhooks/{webhook_id:uuid}/replay"): (None, "since=2026-01-01T00:00:00Z"),
    ("GET", "/api/v1/webhooks/{webhook_id:uuid}/deliveries"): (None, ""),
    ("POST", "/api/v1/videos/{video_id:int}/captions"): (None, ""),  # multipart: CAPTION_FORM
    ("GET", "/api/v1/videos/{video_id:int}/captions"): (None, ""),
    ("GET", "/api/v1/videos/{video_id:int}/captions/{language:str}"): (None, ""),
    ("PATCH", "/api/v1/videos/{video_id:int}/captions/{language:str}"): ({"published": True}, ""),
    ("DELETE", "/api/v1/videos/{video_id:int}/captions/{language:str}"): (None, ""),
    ("POST", "/api/v1/videos/{video_id:int}/captions/auto"): ({"language": "ko-KR"}, ""),
}
# Routes whose body is a form with a file: a caption upload (a valid one, so that only the
# tenant decides the answer).
CAPTION_FORM = {("POST", "/api/v1/videos/{video_id:int}/captions")}
CAPTION = b"1\n00:00:01,000 --> 00:00:02,000\nhello\n"
# Addressed otherwise: by the worker token (no tenant), by signed URLs, by playback tokens
# (bound to their user: tests/http/test_playback.py), or through the lecture and session; the
# console's and player's static assets are public.
NOT_TENANT_ADDRESSED = re.compile(
    r"^/api/v1/(internal/|playback/|directory/|lectures/)|^/(media|hls|schema|static)"
)


def routes(api: Api) -> set[tuple[str, str]]:
    found = set()
    for route in api.client.app.routes:
        for method in getattr(route, "methods", ()):
            if method in ("HEAD", "OPTIONS") or "{" not in route.path:
                continue
            if not NOT_TENANT_ADDRESSED.match(route.path):
                found.add((method, route.path))
    return found


def objects(api: Api, tenant: str) -> dict[str, Any]:
    """A READY video with a caption track (``ko``), a permission, a progress record, a playback
    session and a webhook subscription."""
    session_id, enrollment, user = (
        (OTHER_SESSION, OTHER_ENROLLMENT, OTHER_USER) if tenant == "other" else (10, ALICE, 1001)
    )
    video = api.ready_video(tenant=tenant, session=session_id)
    permission = api.call(
        "POST",
        "/api/v1/video-permissions/",
        tenant=tenant,
        json={"video": video, "enrollment": enrollment, "rule": "free"},
    ).json()["id"]
    at = datetime.now(UTC)
    api.app.progress.record(
        video_id=video,
        enrollment_id=enrollment,
        tenant=tenant,
        duration=100.0,
        max_rate=1.0,
        samples=[Sample("s", 0, at - timedelta(seconds=10)), Sample("s", 10, at)],
    )
    api.app.captions.upload(
        tenant=tenant, video_id=video, data=CAPTION, language="ko", label="ko", kind="subtitles"
    )
    progress = api.app.progresses.get(video, enrollment)
    assert progress is not None
    if tenant == "other":
        api.call(
            "PUT",
            "/api/v1/directory/session-access",
            tenant="other",
            json={"session_id": session_id, "enrollment_id": enrollment, "granted": True},
        )
        started = api.call(
            "POST",
            "/api/v1/playback/start/",
            role="student",
            tenant="other",
            user=user,
            json={"video_id": video, "enrollment_id": enrollment, "device_id": "d"},
        )
    else:
        started = start(api, video)
    assert started.status_code == 201, started.text
    reported = api.call(
        "POST",
        "/api/v1/playback/events/",
        role="student",
        tenant=tenant,
        user=user,
        json={"token": started.json()["token"], "events": [{"type": "FOCUS_LOST"}]},
    )
    assert reported.status_code == 201, reported.text
    [event] = api.call(
        "GET", "/api/v1/video-playback-events/", tenant=tenant, params={"video": video}
    ).json()
    webhook = api.call(
        "POST",
        "/api/v1/webhooks",
        tenant=tenant,
        json={"url": "https://hooks.example.org/x", "event_types": ["video.ready"]},
    ).json()["id"]
    return {
        "webhook": webhook,
        "event": event["id"],
        "video": video,
        "permission": permission,
        "progress": progress.progress_id,
        "session": started.json()["session_id"],
        "enrollment": enrollment,
    }


def request(api: Api, route: tuple[str, str], objs: dict[str, Any], role: Role) -> Any:
    method, template = route
    body, query = COVERED[route]
    path = (
        template.replace("{video_id:int}", str(objs["video"]))
        .replace("{permission_id:int}", str(objs["permission"]))
        .replace("{progress_id:int}", str(objs["progress"]))
        .replace("{session_id:str}", str(objs["session"]))
        .replace("{enrollment_id:int}", str(objs["enrollment"]))
        .replace("{event_id:int}", str(objs["event"]))
        .replace("{webhook_id:uuid}", str(objs["webhook"]))
        .replace("{language:str}", "ko")
    )
    if route in CAPTION_FORM:
        form = {"language": "en", "label": "English", "kind": "subtitles"}
        files = {"file": ("a.srt", CAPTION, "text/plain")}
        return api.call(method, path, role=role, data=form, files=files)
    query = query.format(**objs)
    if body is not None:
        body = {
            k: objs[v[1:-1]] if isinstance(v, str) and v[:1] == "{" else v for k, v in body.items()
        }
    return api.call(
        method,
        path + (f"?{query}" if query else ""),
        role=role,
        json=body,
    )


def test_every_object_route_is_in_the_matrix(api: Api) -> None:
    assert routes(api) - set(COVERED) == set()


@pytest.mark.parametrize("role", ["admin", "staff", "student"])
def test_another_tenants_objects_are_never_reached(api: Api, role: Role) -> None:
    theirs = objects(api, "other")
    ours = objects(api, "demo")
    for route in sorted(COVERED):
        response = request(api, route, theirs, role)
        allowed = {404} if role == "admin" else {403, 404}
        assert response.status_code in allowed, (route, role, response.status_code, response.text)
        if role == "admin" and route[0] != "DELETE":  # the control: our own object is found
            own = request(api, route, ours, role)
            assert own.status_code < 500 and own.status_code != 404, (route, own.text)
    # Lists never show the other tenant's objects.
    for path, key in (
        ("/api/v1/videos/", "video"),
        ("/api/v1/video-permissions/", "permission"),
        ("/api/v1/video-progress/", "progress"),
        ("/api/v1/webhooks", "webhook"),
    ):
        listed = api.call("GET", path, role=role).json()
        if isinstance(listed, list):
            assert theirs[key] not in {row["id"] for row in listed}, path
