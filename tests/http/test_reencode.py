"""A READY video queued for this service's ladder, through the worker API: students keep playing
its current output while a worker re-encodes it; the completion switches the video to the new
output and removes the old one; a failure leaves the video on the old output, saying why."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from academy_video.app.errors import NotFound
from academy_video.domain.video import CannotReencode
from tests.unit.domain.test_video_reencode import old_ready as imported_ready

from .conftest import SESSION, STUDENTS, Api
from .test_worker_api import BASE, worker

VIDEO = 500
OLD = f"media/hls/demo/videos/{VIDEO}/"  # where the old app's worker published
NEW = f"hls/demo/videos/{VIDEO}/"
ALICE = 101


@pytest.fixture
def old_ready(api: Api) -> int:
    """A video brought over READY by ``import django``, its old output in the bucket."""
    api.app.videos.save(
        imported_ready(
            video_id=VIDEO,
            session_id=SESSION,
            file_key=f"videos/demo/{SESSION}/old.mp4",
            hls_path=f"{OLD}master.m3u8",
            thumbnail_key=f"{OLD}thumbnail.jpg",
        )
    )
    for name in ("master.m3u8", "720p/index.m3u8", "720p/seg_00000.ts", "thumbnail.jpg"):
        api.storage.put(OLD + name, b"old")
    api.storage.put(f"videos/demo/{SESSION}/old.mp4", b"video:300")
    return VIDEO


def video(api: Api) -> Any:
    response = api.call("GET", f"/api/v1/videos/{VIDEO}/")
    assert response.status_code == 200, response.text
    return response.json()


def played_path(api: Api) -> str:
    """The master a student starting playback now is sent to."""
    response = api.call(
        "POST",
        "/api/v1/playback/start/",
        role="student",
        user=STUDENTS[ALICE],
        json={"video_id": VIDEO, "enrollment_id": ALICE, "device_id": "laptop"},
    )
    assert response.status_code == 201, response.text
    api.call(
        "POST",
        "/api/v1/playback/end/",
        role="student",
        user=STUDENTS[ALICE],
        json={"token": response.json()["token"]},
    )
    play_url: str = response.json()["play_url"]
    return urlsplit(play_url).path.lstrip("/")


def test_students_play_the_old_output_until_the_new_one_replaces_it(
    api: Api, old_ready: int
) -> None:
    # The operator queues the video; asking again while it is queued changes nothing.
    assert api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="switchover")
    assert not api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="again")
    shown = video(api)
    assert (shown["status"], shown["hls_path"], shown["error_reason"]) == (
        "READY",
        f"{OLD}master.m3u8",
        "",
    )
    assert played_path(api) == f"{OLD}master.m3u8"
    assert f"{OLD}master.m3u8" in api.storage.objects  # what the edge serves

    # A worker claims it as any job, once.
    claimed = worker(api, "GET", f"{BASE}/next/")
    assert claimed.status_code == 200
    assert claimed.json()["job"]["video_id"] == VIDEO
    assert worker(api, "GET", f"{BASE}/next/", name="w2").status_code == 204
    beat = worker(api, "POST", f"{BASE}/{VIDEO}/heartbeat/", json={"progress": 40})
    assert beat.json() == {"ok": True, "reason": "ok"}
    shown = video(api)
    assert (shown["status"], shown["processing_progress"]) == ("READY", 100)
    assert played_path(api) == f"{OLD}master.m3u8"  # still, while it transcodes

    # It publishes under this service's prefix and completes: one switch.
    for name in ("master.m3u8", "360p/index.m3u8", "thumbnail.jpg"):
        api.storage.put(NEW + name, b"new")
    done = worker(
        api,
        "POST",
        f"{BASE}/{VIDEO}/complete/",
        json={
            "hls_path": f"{NEW}master.m3u8",
            "duration": 299.5,
            "thumbnail_key": f"{NEW}thumbnail.jpg",
        },
    )
    assert done.json() == {"ok": True, "reason": "ok"}
    shown = video(api)
    assert (shown["status"], shown["hls_path"], shown["duration"]) == (
        "READY",
        f"{NEW}master.m3u8",
        299,
    )
    assert api.app.videos.get(VIDEO).thumbnail_key == f"{NEW}thumbnail.jpg"
    assert played_path(api) == f"{NEW}master.m3u8"
    assert not [key for key in api.storage.objects if key.startswith(OLD)]  # the old output went
    assert f"{NEW}master.m3u8" in api.storage.objects
    # A late duplicate completion is idempotent; the queue is empty.
    again = worker(api, "POST", f"{BASE}/{VIDEO}/complete/", json={"hls_path": f"{NEW}x.m3u8"})
    assert again.json() == {"ok": True, "reason": "idempotent"}
    assert worker(api, "GET", f"{BASE}/next/").status_code == 204
    trail = api.call("GET", f"/api/v1/audit/videos/{VIDEO}/events/").json()
    assert [e["type"] for e in trail] == [
        "Imported",
        "ReencodeRequested",
        "ProcessingStarted",
        "LeaseExtended",
        "Reencoded",
    ]
    assert trail[-1]["data"]["replaced_prefix"] == OLD
    # On this service's ladder now: another re-encode would publish over it.
    with pytest.raises(CannotReencode):
        api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="again")


def test_a_failed_re_encode_leaves_the_old_output_playing_and_says_why(
    api: Api, old_ready: int
) -> None:
    api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="switchover")
    assert worker(api, "GET", f"{BASE}/next/").status_code == 200
    # Publishing over the old output (or anywhere but this service's prefix) is refused.
    wrong = worker(api, "POST", f"{BASE}/{VIDEO}/complete/", json={"hls_path": f"{OLD}x.m3u8"})
    assert wrong.status_code == 400
    failed = worker(api, "POST", f"{BASE}/{VIDEO}/fail/", json={"reason": "decode_failed at 2 s"})
    assert failed.json() == {"ok": True, "reason": "ok"}
    shown = video(api)
    assert (shown["status"], shown["hls_path"], shown["error_reason"]) == (
        "READY",
        f"{OLD}master.m3u8",
        "reencode_failed: decode_failed at 2 s",
    )
    assert played_path(api) == f"{OLD}master.m3u8"
    assert f"{OLD}720p/seg_00000.ts" in api.storage.objects
    assert worker(api, "GET", f"{BASE}/next/").status_code == 204  # out of the queue
    # Asked again, it is queued afresh and the failure is cleared.
    assert api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="again")
    assert video(api)["error_reason"] == ""
    assert worker(api, "GET", f"{BASE}/next/").status_code == 200


def test_another_tenant_cannot_queue_the_video(api: Api, old_ready: int) -> None:
    with pytest.raises(NotFound):
        api.app.jobs.reencode(tenant="other", video_id=VIDEO, reason="x")
