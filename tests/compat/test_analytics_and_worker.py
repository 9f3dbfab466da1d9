"""Statistics as the old admin pages read them, and the workers' endpoints as the old workers
called them."""

from __future__ import annotations

from tests.http.conftest import SESSION, Api
from tests.http.test_progress import watched

from .conftest import old_worker
from .seed_answers import (
    ACHIEVEMENT,
    LEGACY_ACK,
    LEGACY_ACK_AGAIN,
    STATS,
    SUMMARY,
    WORKER_ACK,
    WORKER_JOB,
)
from .shapes import assert_same_shape
from .test_permissions_and_progress import ALICE
from .test_videos import ready, uploaded


def test_stats_with_empty_phone_numbers_as_empty_strings(api: Api) -> None:
    video = ready(api)
    watched(api, video, ALICE, 30.5)
    body = api.call("GET", f"/api/v1/videos/{video}/stats/").json()
    assert_same_shape(body, STATS)
    assert {(s["parent_phone"], s["student_phone"]) for s in body["students"]} == {("", "")}
    assert body["video"]["duration"] == 8


def test_stats_with_phone_numbers(api: Api) -> None:
    body = {"user_id": 1001, "name": "Student 101", "phone": "010-1", "parent_phone": "010-2"}
    assert api.call("PUT", "/api/v1/directory/students/601", json=body).status_code == 200
    video = ready(api)
    students = api.call("GET", f"/api/v1/videos/{video}/stats/").json()["students"]
    alice = next(s for s in students if s["enrollment"] == ALICE)
    assert (alice["student_phone"], alice["parent_phone"]) == ("010-1", "010-2")


def test_summary_and_achievement(api: Api) -> None:
    video = ready(api)
    watched(api, video, ALICE, 30.5)
    for range_key in ("24h", "7d", "all"):
        summary = api.call("GET", f"/api/v1/videos/{video}/summary/?range={range_key}").json()
        assert_same_shape(summary, SUMMARY)
        assert summary["range"] == range_key
    assert api.call("GET", f"/api/v1/videos/{video}/summary/").json()["range"] == "7d"
    attendance = {"session_id": SESSION, "enrollment_id": ALICE, "status": "ONLINE"}
    assert api.call("PUT", "/api/v1/directory/attendance", json=attendance).status_code == 200
    achievement = api.call("GET", f"/api/v1/videos/{video}/achievement/").json()
    assert_same_shape(achievement, ACHIEVEMENT)
    assert achievement["students"][0]["watched_seconds"] == 30  # last_position, whole seconds


def test_the_current_worker_api_as_the_old_workers_call_it(api: Api) -> None:
    video = uploaded(api)
    claimed = old_worker(api, "GET", "/api/v1/internal/video-worker/next/")
    assert claimed.status_code == 200
    assert_same_shape(claimed.json(), WORKER_JOB)
    assert claimed.json()["job"]["video_id"] == video
    base = f"/api/v1/internal/video-worker/{video}"
    assert old_worker(api, "POST", f"{base}/heartbeat/").json()["ok"] is True
    # The old worker's body: its own prefix, an integer duration, what else it sends.
    body = {"hls_path": f"media/hls/demo/videos/{video}/master.m3u8", "duration": 8, "x": 1}
    done = old_worker(api, "POST", f"{base}/complete/", json=body)
    assert (done.status_code, done.json()) == (200, {"ok": True, "reason": "ok"})
    assert_same_shape(done.json(), WORKER_ACK)
    again = old_worker(api, "POST", f"{base}/complete", json=body)
    assert again.json() == {"ok": True, "reason": "idempotent"}
    assert old_worker(api, "GET", "/api/v1/internal/video-worker/next").status_code == 204


def test_the_worker_fail_as_the_old_workers_call_it(api: Api) -> None:
    video = uploaded(api)
    old_worker(api, "GET", "/api/v1/internal/video-worker/next/")
    path = f"/api/v1/internal/video-worker/{video}/fail/"
    assert old_worker(api, "POST", path, json={"reason": "ffmpeg exited 1"}).json() == {
        "ok": True,
        "reason": "ok",
    }
    assert old_worker(api, "POST", path, json={}).json() == {"ok": True, "reason": "idempotent"}
    assert api.call("GET", f"/api/v1/videos/{video}/").json()["error_reason"] == "ffmpeg exited 1"


def test_the_legacy_processing_complete_is_ok_then_idempotent(api: Api) -> None:
    video = uploaded(api)
    path = f"/api/v1/internal/videos/{video}/processing-complete/"
    body = {"hls_path": f"media/hls/demo/videos/{video}/master.m3u8", "duration": 8}
    first = old_worker(api, "POST", path, json=body)
    assert first.status_code == 200
    assert_same_shape(first.json(), LEGACY_ACK)
    assert_same_shape(old_worker(api, "POST", path, json=body).json(), LEGACY_ACK_AGAIN)
    missing = old_worker(api, "POST", path, json={})
    assert (missing.status_code, missing.json()) == (400, {"detail": "hls_path required"})


def test_a_negative_duration_is_ignored_as_the_old_view_did(api: Api) -> None:
    # internal_views.py: ``if duration_int is not None and duration_int >= 0``; the call succeeds.
    video = uploaded(api)  # the probe measured 8.011 s
    path = f"/api/v1/internal/videos/{video}/processing-complete/"
    body = {"hls_path": f"hls/demo/videos/{video}/master.m3u8", "duration": -3}
    assert old_worker(api, "POST", path, json=body).json() == {"ok": True}
    assert api.call("GET", f"/api/v1/videos/{video}/").json()["duration"] == 8
    # An absurd one is no measurement either; one beyond a double is malformed JSON.
    other = uploaded(api)
    path = f"/api/v1/internal/videos/{other}/processing-complete/"
    for number, status in (("1e300", 200), ("1e400", 400)):
        text = f'{{"hls_path": "hls/demo/videos/{other}/master.m3u8", "duration": {number}}}'
        headers = {"Content-Type": "application/json"}
        response = old_worker(api, "POST", path, content=text, headers=headers)
        assert response.status_code == status, response.text
        assert api.call("GET", f"/api/v1/videos/{other}/").json()["duration"] == 8


def test_completions_outside_the_videos_own_prefixes_are_refused(api: Api) -> None:
    video = uploaded(api)
    path = f"/api/v1/internal/videos/{video}/processing-complete/"
    for key in (
        f"media/hls/demo/videos/{video}/../{video + 1}/master.m3u8",
        f"media/hls/other/videos/{video}/master.m3u8",
        f"media/hls/demo/videos/{video + 1}/master.m3u8",
        f"https://cdn.example/media/hls/demo/videos/{video}/master.m3u8",
        f"/media/hls/demo/videos/{video}/master.m3u8",
        f"media/hls/demo/videos/{video}/%2e%2e/{video + 1}/master.m3u8",
    ):
        response = old_worker(api, "POST", path, json={"hls_path": key})
        assert response.status_code == 400, key
        assert response.json()["detail"].startswith("hls_path must be under"), key
    assert api.call("GET", f"/api/v1/videos/{video}/").json()["status"] == "UPLOADED"
