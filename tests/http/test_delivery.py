"""``GET /videos/{id}/delivery``: the console's delivery figures of a READY video (admin/staff of
its tenant): per rung as the completion stored them; none when not READY or stored before the
figures existed; 404 for another tenant's or a missing video, 403 for a student."""

from __future__ import annotations

from .conftest import Api
from .test_worker_api import BASE, uploaded, worker

FIGURES = {"average_bandwidth": 700_000, "bytes": 900_000_000, "seconds": 3600.0, "segments": 900}


def completed(api: Api, **figures: object) -> int:
    video = uploaded(api)
    assert worker(api, "GET", f"{BASE}/next").status_code == 200
    prefix = f"hls/demo/videos/{video}/"
    rungs = [
        {
            "name": name,
            "width": w,
            "height": h,
            "bandwidth": 1,
            "playlist": f"{prefix}{name}/i.m3u8",
        }
        for name, w, h in (("360p", 640, 360), ("720p", 1280, 720))
    ]
    body = {
        "hls_path": f"{prefix}master.m3u8",
        "renditions": [{**rung, **figures} for rung in rungs],
    }
    assert worker(api, "POST", f"{BASE}/{video}/complete/", json=body).status_code == 200
    return video


def test_a_ready_video_answers_each_rungs_bytes_per_hour(api: Api) -> None:
    video = completed(api, **FIGURES)
    answer = api.call("GET", f"/api/v1/videos/{video}/delivery/", role="staff").json()
    assert answer == {
        "video_id": video,
        "status": "READY",
        "rungs": [
            {
                "name": name,
                "width": w,
                "height": h,
                "average_bandwidth": 700_000,
                "bytes_per_hour": 900_000_000,
            }
            for name, w, h in (("360p", 640, 360), ("720p", 1280, 720))
        ],
        "bytes_per_hour": 1_800_000_000,
    }


def test_unknown_figures_and_unpublished_videos_answer_no_rungs(api: Api) -> None:
    for video in (completed(api), uploaded(api)):
        answer = api.call("GET", f"/api/v1/videos/{video}/delivery").json()
        assert (answer["rungs"], answer["bytes_per_hour"]) == ([], None)


def test_another_tenants_missing_and_students_are_refused(api: Api) -> None:
    video = completed(api, **FIGURES)
    path = f"/api/v1/videos/{video}/delivery"
    other = api.call("GET", path, tenant="other")
    assert (other.status_code, other.json()) == (404, {"detail": "not_found"})
    assert api.call("GET", "/api/v1/videos/999999/delivery").status_code == 404
    assert api.call("GET", "/api/v1/videos/0/delivery").status_code in (400, 404)
    student = api.call("GET", path, role="student")
    assert (student.status_code, student.json()) == (403, {"detail": "forbidden"})
    assert api.client.get(path).status_code == 401
