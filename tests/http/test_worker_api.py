"""The worker API over HTTP: the worker token, claims, heartbeats, completion and failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, build
from tests.fakes.media import InMemoryObjectStorage

from .conftest import SECRET, SESSION, WORKER_TOKEN, Api

BASE = "/api/v1/internal/video-worker"


def worker(
    api: Api, method: str, path: str, *, name: str = "w1", token: str = WORKER_TOKEN, **kw: Any
) -> Any:
    headers = {"X-Worker-Token": token, "X-Worker-Id": name}
    return api.client.request(method, path, headers=headers, **kw)


def uploaded(api: Api) -> int:
    ticket = api.app.uploads.init(tenant="demo", session_id=SESSION, title="T", filename="a.mp4")
    api.storage.put(ticket.file_key, b"video:30")
    api.app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)
    return ticket.video.video_id


def test_the_worker_token_is_required_and_checked(api: Api, tmp_path: Path) -> None:
    assert worker(api, "GET", f"{BASE}/next/", token="wrong").json() == {"detail": "unauthorized"}
    assert worker(api, "GET", f"{BASE}/next/", token="").status_code == 401
    assert api.client.get(f"{BASE}/next/").status_code == 401
    # The token is checked before the body: no hint about what a body should hold.
    for path in ("1/complete/", "1/fail/", "1/heartbeat/"):
        for body in ({}, {"hls_path": ""}, {"reason": 5}):
            response = api.client.post(f"{BASE}/{path}", json=body)
            assert (response.status_code, response.json()) == (401, {"detail": "unauthorized"})
    legacy = api.client.post("/api/v1/internal/videos/1/processing-complete/", json={})
    assert (legacy.status_code, legacy.json()) == (401, {"detail": "unauthorized"})
    container = build(
        Settings(data_dir=tmp_path / "other", jwt_secret=SECRET),
        Adapters(storage=InMemoryObjectStorage()),
    )
    with TestClient(create_app(container)) as client:
        response = client.get(f"{BASE}/next/", headers={"X-Worker-Token": "anything"})
        assert (response.status_code, response.json()) == (
            503,
            {"detail": "worker_token_not_configured"},
        )
    container.close()


def test_claim_heartbeat_complete(api: Api) -> None:
    assert worker(api, "GET", f"{BASE}/next/").status_code == 204
    video = uploaded(api)
    claimed = worker(api, "GET", f"{BASE}/next")
    assert claimed.status_code == 200
    job = claimed.json()["job"]
    assert (job["video_id"], job["tenant_code"]) == (video, "demo")
    assert job["file_key"].startswith("videos/demo/")
    # The source's ETag at upload/complete: the worker refuses any other version of it.
    stored = api.storage.head(job["file_key"])
    assert stored is not None and job["source_etag"] == stored.etag
    assert worker(api, "GET", f"{BASE}/next/", name="w2").status_code == 204  # nobody else gets it

    assert worker(api, "POST", f"{BASE}/{video}/heartbeat/", json={"progress": 40}).json() == {
        "ok": True,
        "reason": "ok",
    }
    shown = api.call("GET", f"/api/v1/videos/{video}").json()
    assert (shown["status"], shown["processing_progress"]) == ("PROCESSING", 40)
    other = worker(api, "POST", f"{BASE}/{video}/heartbeat/", name="w2")
    assert (other.status_code, other.json()) == (409, {"detail": "lease_owner_mismatch_or_expired"})

    missing = worker(api, "POST", f"{BASE}/{video}/complete/", json={})
    assert (missing.status_code, missing.json()) == (400, {"detail": "hls_path required"})
    stolen = worker(
        api, "POST", f"{BASE}/{video}/complete/", name="w2", json={"hls_path": "x/master.m3u8"}
    )
    assert (stolen.status_code, stolen.json()) == (409, {"detail": "lease_owner_mismatch"})
    elsewhere = worker(
        api, "POST", f"{BASE}/{video}/complete/", json={"hls_path": "hls/other/videos/1/m.m3u8"}
    )
    detail = f"hls_path must be under hls/demo/videos/{video}/ or media/hls/demo/videos/{video}/"
    assert (elsewhere.status_code, elsewhere.json()) == (400, {"detail": detail})
    body = {
        "hls_path": f"hls/demo/videos/{video}/master.m3u8",
        "duration": 29.96,
        "thumbnail_key": f"hls/demo/videos/{video}/thumbnail.jpg",
    }
    assert worker(api, "POST", f"{BASE}/{video}/complete/", json=body).json() == {
        "ok": True,
        "reason": "ok",
    }
    assert worker(api, "POST", f"{BASE}/{video}/complete/", json=body).json() == {
        "ok": True,
        "reason": "idempotent",
    }
    done = api.call("GET", f"/api/v1/videos/{video}").json()
    shown_state = (done["status"], done["duration"], done["duration_precise"], done["hls_path"])
    assert (*shown_state, done["processing_progress"]) == (
        "READY",
        29,  # whole seconds, truncated, as the old app stored it
        29.96,
        body["hls_path"],
        100,
    )
    assert worker(api, "POST", f"{BASE}/999999/complete/", json=body).status_code == 404


def test_fail_records_the_reason(api: Api) -> None:
    video = uploaded(api)
    worker(api, "GET", f"{BASE}/next/")
    reason = "source_truncated: only 3.0 s of 6.0 s could be decoded"
    stolen = worker(api, "POST", f"{BASE}/{video}/fail/", name="w2", json={"reason": "no"})
    assert (stolen.status_code, stolen.json()) == (409, {"detail": "lease_owner_mismatch"})
    unknown = worker(api, "POST", f"{BASE}/999999/fail/", json={"reason": reason})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "not_found"})
    assert worker(api, "POST", f"{BASE}/{video}/fail/", json={"reason": reason}).json() == {
        "ok": True,
        "reason": "ok",
    }
    assert (
        worker(api, "POST", f"{BASE}/{video}/fail/", json={"reason": reason}).json()["reason"]
        == "idempotent"
    )
    shown = api.call("GET", f"/api/v1/videos/{video}").json()
    assert (shown["status"], shown["error_reason"]) == ("FAILED", reason)
    # The instructor requeues it; it is claimable again at once.
    assert api.call("POST", f"/api/v1/videos/{video}/retry/").status_code == 202
    assert worker(api, "GET", f"{BASE}/next/", name="w3").json()["job"]["video_id"] == video


def test_the_legacy_completion_needs_the_worker_token(api: Api) -> None:
    video = uploaded(api)
    path = f"/api/v1/internal/videos/{video}/processing-complete/"
    master = f"hls/demo/videos/{video}/master.m3u8"
    assert api.client.post(path, json={"hls_path": master}).status_code == 401  # seed: AllowAny
    body = {"hls_path": master, "duration": 12}
    assert worker(api, "POST", path, json=body).json() == {"ok": True}  # as the old app answered
    assert api.call("GET", f"/api/v1/videos/{video}").json()["status"] == "READY"
    assert worker(api, "POST", path, json=body).json() == {"ok": True, "idempotent": True}


@pytest.mark.parametrize("body", [{"progress": 101}, {"progress": "half"}])
def test_a_bad_heartbeat_body_is_400(api: Api, body: dict[str, Any]) -> None:
    video = uploaded(api)
    worker(api, "GET", f"{BASE}/next/")
    assert worker(api, "POST", f"{BASE}/{video}/heartbeat/", json=body).status_code == 400
