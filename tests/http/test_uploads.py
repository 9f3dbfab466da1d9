"""Uploads over HTTP, with the in-memory store (its fake media: b"video:<secs>", b"audio", …).
Real files through the local disk and S3 are in tests/integration/test_upload_flows.py."""

from typing import Any

import pytest

from academy_video.app.uploads import part_size_for

from .conftest import SESSION, Api


def init(api: Api, **body: object) -> dict[str, Any]:
    response = api.call(
        "POST",
        "/api/v1/videos/upload/init/",
        json={"session": SESSION, "title": "T", "filename": "Lecture 1.MOV", **body},
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def test_init_reserves_a_pending_video_and_an_upload_url(api: Api) -> None:
    first = init(api, content_type="video/quicktime; codecs=x", max_speed=1.5, allow_skip=True)
    video = first["video"]
    assert (video["status"], video["order"], video["max_speed"], video["allow_skip"]) == (
        "PENDING",
        1,
        1.5,
        True,
    )
    assert first["file_key"].startswith(f"videos/demo/{SESSION}/") and first["file_key"].endswith(
        ".mov"
    )
    assert first["content_type"] == "video/quicktime"
    assert first["upload_url"]
    assert init(api)["video"]["order"] == 2  # max order in the session + 1
    assert init(api, content_type="binary/octet-stream")["content_type"] == "binary/octet-stream"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"title": "T", "filename": "a.mp4"}, 400, "session, title, filename required"),
        ({"session": SESSION, "filename": "a.mp4"}, 400, "session, title, filename required"),
        (
            {"session": SESSION, "title": "", "filename": "a.mp4"},
            400,
            "session, title, filename required",
        ),
        ({"session": SESSION, "title": "T"}, 400, "session, title, filename required"),
        (
            {"session": SESSION, "title": "T", "filename": "a.mp4", "max_speed": 17},
            400,
            "max_speed: Expected `float` <= 16.0",
        ),
        (
            {"session": 20, "title": "T", "filename": "a.mp4"},
            400,
            "unknown_session",
        ),  # another tenant's
        ({"session": 999, "title": "T", "filename": "a.mp4"}, 400, "unknown_session"),
        (
            {"session": SESSION, "title": "T", "filename": "a.mp4", "content_type": "text/html"},
            400,
            "content_type: must be a video type",
        ),
    ],
)
def test_init_refusals(api: Api, body: dict[str, Any], status: int, detail: str) -> None:
    response = api.call("POST", "/api/v1/videos/upload/init", json=body)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert api.call("GET", "/api/v1/videos/").json() == []


@pytest.mark.parametrize(
    ("content", "detail", "reason"),
    [
        (None, "S3 object not found", "source_not_found_or_empty"),
        (b"", "S3 object not found", "source_not_found_or_empty"),
        (b"audio", "invalid_media:no_video_stream", "invalid_media:no_video_stream"),
        (b"video:", "invalid_media:duration_missing", "invalid_media:duration_missing"),
        (b"garbage", "invalid_media:unreadable", "invalid_media:unreadable"),
    ],
)
def test_complete_refuses_what_is_not_a_playable_video(
    api: Api, content: bytes | None, detail: str, reason: str
) -> None:
    ticket = init(api)
    if content is not None:
        api.storage.put(ticket["file_key"], content)
    video_id = ticket["video"]["id"]
    response = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete/")
    assert (response.status_code, response.json()) == (409, {"detail": detail})
    video = api.call("GET", f"/api/v1/videos/{video_id}").json()
    assert (video["status"], video["error_reason"]) == ("PENDING", reason)
    # A good file afterwards is accepted.
    api.storage.put(ticket["file_key"], b"video:42")
    done = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["duration"], done.json()["error_reason"]) == (
        "UPLOADED",
        42.0,
        "",
    )
    again = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    assert (again.status_code, again.json()) == (409, {"detail": "Invalid status: UPLOADED"})
    assert api.app.jobs.claim_next("w") is not None  # queued


def test_retry_from_failed_or_uploaded_only(api: Api) -> None:
    ticket = init(api)
    video_id = ticket["video"]["id"]
    refused = api.call("POST", f"/api/v1/videos/{video_id}/retry/")
    assert (refused.status_code, refused.json()) == (400, {"detail": "Cannot retry"})
    api.storage.put(ticket["file_key"], b"video:5")
    api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    api.app.jobs.claim_next("w")
    api.app.jobs.fail(video_id, "w", "decoder exploded")
    assert api.call("GET", f"/api/v1/videos/{video_id}").json()["status"] == "FAILED"
    retried = api.call("POST", f"/api/v1/videos/{video_id}/retry")
    assert retried.status_code == 202
    assert retried.json()["detail"] == "Video reprocessing queued (HTTP worker polling)"
    video = retried.json()["video"]
    assert (video["id"], video["status"], video["error_reason"]) == (video_id, "UPLOADED", "")
    assert api.call("POST", f"/api/v1/videos/{video_id}/retry", role="student").status_code == 403


def test_a_multipart_upload_then_complete(api: Api) -> None:
    ticket = init(api)
    video_id = ticket["video"]["id"]
    size = 12 * 1024 * 1024
    started = api.call("POST", f"/api/v1/videos/{video_id}/upload/multipart/", json={"size": size})
    assert started.status_code == 201
    body = started.json()
    assert body["part_size"] == 5 * 1024 * 1024 and [p["part_number"] for p in body["parts"]] == [
        1,
        2,
        3,
    ]
    data = b"video:60" + b"\0" * (size - 8)
    parts = []
    for part in body["parts"]:
        start = (part["part_number"] - 1) * body["part_size"]
        etag = api.storage.put_url(part["url"], data[start : start + body["part_size"]])
        parts.append({"part_number": part["part_number"], "etag": f'"{etag}"'})
    bad = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        json={
            "upload_id": body["upload_id"],
            "parts": [*parts[:1], {"part_number": 3, "etag": "x"}],
        },
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("invalid_parts")
    joined = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        json={"upload_id": body["upload_id"], "parts": parts},
    )
    assert joined.json() == {"file_key": ticket["file_key"], "size": size}
    assert api.storage.objects[ticket["file_key"]] == data


def test_multipart_sizes_and_abort(api: Api) -> None:
    video_id = init(api)["video"]["id"]
    huge = api.call(
        "POST", f"/api/v1/videos/{video_id}/upload/multipart", json={"size": 19 * 1024**3}
    ).json()
    assert huge["part_size"] == 5 * 1024 * 1024 and len(huge["parts"]) == 3892
    # Past 50,000 MiB, parts grow (whole MiB) so that 10,000 of them still hold the file.
    assert part_size_for(100 * 1024**3) == 11 * 1024 * 1024
    assert part_size_for(100 * 1024**3) * 10_000 >= 100 * 1024**3
    too_big = api.call(
        "POST", f"/api/v1/videos/{video_id}/upload/multipart", json={"size": 30 * 1024**3}
    )
    assert (too_big.status_code, too_big.json()) == (413, {"detail": "upload_too_large"})
    assert (
        api.call(
            "POST", f"/api/v1/videos/{video_id}/upload/multipart", json={"size": 0}
        ).status_code
        == 400
    )
    small = api.call(
        "POST", f"/api/v1/videos/{video_id}/upload/multipart", json={"size": 10}
    ).json()
    assert len(small["parts"]) == 1
    aborted = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/abort",
        json={"upload_id": small["upload_id"]},
    )
    assert aborted.status_code == 204
    assert small["upload_id"] not in api.storage.uploads


def test_an_upload_over_the_limit_is_refused_when_it_is_stored(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither a signed PUT nor the parts of a multipart upload can be held to the size
    announced: what was stored is checked, removed if over the limit, and the video stays
    PENDING for another upload."""
    monkeypatch.setattr(api.app.uploads, "max_upload_bytes", 8 * 1024 * 1024)
    ticket = init(api)
    video_id = ticket["video"]["id"]
    path = f"/api/v1/videos/{video_id}/upload/multipart"
    body = api.call("POST", path, json={"size": 8 * 1024 * 1024}).json()
    part = b"video:60" + b"\0" * (body["part_size"] - 8)  # two whole parts: 10 MiB
    parts = [
        {"part_number": p["part_number"], "etag": f'"{api.storage.put_url(p["url"], part)}"'}
        for p in body["parts"]
    ]
    joined = api.call(
        "POST", f"{path}/complete", json={"upload_id": body["upload_id"], "parts": parts}
    )
    assert (joined.status_code, joined.json()) == (413, {"detail": "upload_too_large"})
    assert ticket["file_key"] not in api.storage.objects
    shown = api.call("GET", f"/api/v1/videos/{video_id}").json()
    assert (shown["status"], shown["error_reason"]) == ("PENDING", "upload_too_large")
    # The single signed PUT, the same.
    api.storage.put_url(ticket["upload_url"], b"video:60" + b"\0" * (9 * 1024 * 1024))
    completed = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete/")
    assert (completed.status_code, completed.json()) == (413, {"detail": "upload_too_large"})
    assert ticket["file_key"] not in api.storage.objects


def test_the_multipart_endpoints_refuse_unknown_fields(api: Api) -> None:
    """This service's own API (the old app had no multipart upload): a misspelt field is a 400,
    never silently dropped (``contentType`` would have left the file an mp4)."""
    video_id = init(api)["video"]["id"]
    base = f"/api/v1/videos/{video_id}/upload/multipart"
    typo = api.call("POST", base, json={"size": 5, "contentType": "video/webm"})
    assert (typo.status_code, typo.json()) == (
        400,
        {"detail": "Object contains unknown field `contentType`"},
    )
    upload_id = api.call("POST", base, json={"size": 5}).json()["upload_id"]
    part = {"part_number": 1, "etag": '"x"', "checksum": "y"}
    completed = api.call("POST", f"{base}/complete", json={"upload_id": upload_id, "parts": [part]})
    assert completed.status_code == 400 and "checksum" in completed.json()["detail"]
    bodies = [
        (
            {"upload_id": upload_id, "parts": [{"part_number": 1, "etag": "x"}], "force": 1},
            "complete",
        )
    ]
    bodies.append(({"upload_id": upload_id, "reason": "x"}, "abort"))
    for body, step in bodies:
        refused = api.call("POST", f"{base}/{step}", json=body)
        assert refused.status_code == 400 and "unknown field" in refused.json()["detail"], step
