"""A real `academy-video serve` on S3 (the moto endpoint) with its embedded worker, through a
whole scenario: presigned uploads (single and multipart), a video transcoded, a file that is no
video refused by the probe, a student's playback from start to end, the worker API, and callers
who put tokens where they do not belong. Then serve's whole output is searched for every secret
that was handed out or used: none may be there (adapters/redaction.py)."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from academy_video.adapters.http.auth import mint
from tests.http.test_serve_process import Server
from tests.media import make_video

S3_ENDPOINT = os.environ.get("ACADEMY_VIDEO_TEST_S3_ENDPOINT", "")
JWT_SECRET = "logs-test-jwt-secret-of-32-bytes!!!"
WORKER_TOKEN = "logs-test-worker-token-4f2a9c"
STUDENT_USER, ENROLLMENT = 1001, 101
# A secret that is still in the output unredacted: a presign's or a media URL's parameter, or
# something shaped like a JWT or a playback token.
UNREDACTED = re.compile(
    r"(?i)(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig)(?:=|%3d)"
    r"(?!\[redacted\])|eyJ[\w-]{8,}\.[\w-]{8,}"
)


def query_values(url: str, *names: str) -> list[str]:
    query = parse_qs(urlsplit(url).query)
    return [value for name in names for value in query.get(name, [])]


class Scenario:
    """What the scenario handed out or used, to be looked for in the log."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.secrets: set[str] = {WORKER_TOKEN}
        self.admin = self.client("admin", 1)
        self.student = self.client("student", STUDENT_USER)

    def client(self, role: str, user: int) -> httpx.Client:
        token = mint(JWT_SECRET, role=role, tenant="demo", user_id=user)  # type: ignore[arg-type]
        self.secrets.add(token)
        return httpx.Client(
            base_url=self.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def handed(self, url: str) -> str:
        """Note the signatures of a URL the service handed out."""
        signatures = query_values(url, "X-Amz-Signature", "Signature", "sig")
        assert signatures, url
        self.secrets.update(signatures)
        return url

    def call(self, client: httpx.Client, method: str, path: str, status: int, **kw: Any) -> Any:
        response = client.request(method, path, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def roster(self) -> None:
        for path, body in [
            ("lectures/1", {"title": "L"}),
            ("sessions/10", {"lecture_id": 1}),
            ("students/601", {"user_id": STUDENT_USER, "name": "Alice"}),
            ("enrollments/101", {"student_id": 601, "lecture_id": 1, "status": "ACTIVE"}),
            ("session-access", {"session_id": 10, "enrollment_id": ENROLLMENT, "granted": True}),
        ]:
            self.call(self.admin, "PUT", f"/api/v1/directory/{path}", 200, json=body)

    def init(self, title: str) -> dict[str, Any]:
        ticket: dict[str, Any] = self.call(
            self.admin,
            "POST",
            "/api/v1/videos/upload/init",
            201,
            json={"session": 10, "title": title, "filename": f"{title}.mp4"},
        )
        return ticket

    def upload_single(self, source: bytes) -> int:
        ticket = self.init("single")
        put = httpx.put(self.handed(ticket["upload_url"]), content=source, timeout=30)
        assert put.status_code == 200, put.text
        return int(ticket["video"]["id"])

    def upload_multipart(self, source: bytes) -> int:
        video = int(self.init("multipart")["video"]["id"])
        base = f"/api/v1/videos/{video}/upload/multipart"
        started = self.call(self.admin, "POST", base, 201, json={"size": len(source)})
        (part,) = started["parts"]
        put = httpx.put(self.handed(part["url"]), content=source, timeout=30)
        assert put.status_code == 200, put.text
        parts = [{"part_number": 1, "etag": put.headers["etag"]}]
        body = {"upload_id": started["upload_id"], "parts": parts}
        self.call(self.admin, "POST", f"{base}/complete", 200, json=body)
        return video

    def wait_ready(self, video: int) -> dict[str, Any]:
        deadline = time.monotonic() + 120
        while True:
            body: dict[str, Any] = self.call(self.admin, "GET", f"/api/v1/videos/{video}", 200)
            if body["status"] == "READY":
                return body
            assert body["status"] != "FAILED" and time.monotonic() < deadline, body
            time.sleep(0.1)  # a real process's state: nothing to await

    def play(self, video: int) -> None:
        def post(path: str, status: int, **body: Any) -> Any:
            return self.call(self.student, "POST", f"/api/v1/playback/{path}", status, json=body)

        started = post("start", 201, video_id=video, enrollment_id=ENROLLMENT, device_id="d1")
        token = started["token"]
        self.secrets.add(token)
        self.handed(started["play_url"])
        assert post("heartbeat", 200, token=token, position=1.0) == {"ok": True}
        events = [
            {"type": "FOCUS_LOST", "payload": {"token": token}},
            {"type": "VISIBILITY_HIDDEN"},
        ]
        assert post("events", 201, token=token, events=events) == {"stored": 2}
        refreshed = post("refresh", 200, token=token)
        self.secrets.add(refreshed["token"])
        self.handed(refreshed["play_url"])
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert post("heartbeat", 403, token=forged) == {"detail": "invalid_token"}
        assert post("heartbeat", 200, token=refreshed["token"], position=2.0) == {"ok": True}
        assert post("end", 200, token=refreshed["token"]) == {"ok": True}
        assert post("heartbeat", 409, token=refreshed["token"])["detail"] == "session_inactive"
        # Tokens where they do not belong: in a path (which the access line shows) and a query.
        self.call(self.student, "GET", f"/api/v1/videos/{token}", 404)
        self.call(self.student, "GET", f"/no/such/{refreshed['token']}?token={token}", 404)

    def worker_api(self) -> None:
        worker = {"X-Worker-Token": WORKER_TOKEN, "X-Worker-Id": "probe-logs"}
        base = "/api/v1/internal/video-worker"
        with httpx.Client(base_url=self.server.url, headers=worker, timeout=30) as http:
            self.call(http, "POST", f"{base}/999999/heartbeat", 404)
            self.call(http, "GET", f"{base}/next", 401, headers={"X-Worker-Token": "wrong"})


@pytest.fixture
def bucket() -> str:
    if not S3_ENDPOINT:
        pytest.fail("ACADEMY_VIDEO_TEST_S3_ENDPOINT is not set: run the tests with `make test`")
    name = f"logs-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=S3_ENDPOINT).create_bucket(Bucket=name)
    return name


def test_serves_log_holds_no_secret_after_a_whole_scenario(tmp_path: Path, bucket: str) -> None:
    env = {
        "ACADEMY_VIDEO_S3_BUCKET": bucket,
        "ACADEMY_VIDEO_S3_ENDPOINT_URL": S3_ENDPOINT,
        "ACADEMY_VIDEO_S3_REGION": "us-east-1",
        "ACADEMY_VIDEO_JWT_SECRET": JWT_SECRET,
        "ACADEMY_VIDEO_WORKER_TOKEN": WORKER_TOKEN,
        "ACADEMY_VIDEO_CDN_BASE_URL": "https://cdn.invalid",
        "ACADEMY_VIDEO_CDN_SIGNING_SECRET": "logs-test-cdn-signing-secret",
        "ACADEMY_VIDEO_EMBEDDED_WORKER": "1",
        "ACADEMY_VIDEO_TRANSCODE_PRESET": "ultrafast",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    }
    (tmp_path / "data").mkdir()
    log = tmp_path / "serve.log"
    video_file = make_video(tmp_path / "lecture.mp4", seconds=2)
    server = Server(tmp_path / "data", env, log=log)
    try:
        scenario = Scenario(server)
        scenario.roster()
        video = scenario.upload_single(video_file.read_bytes())
        scenario.call(scenario.admin, "POST", f"/api/v1/videos/{video}/upload/complete", 200)
        junk = scenario.upload_multipart(b"this is a lecture's notes, not a video\n" * 100)
        refused = scenario.call(
            scenario.admin, "POST", f"/api/v1/videos/{junk}/upload/complete", 409
        )
        assert refused["detail"].startswith("invalid_media"), refused
        scenario.wait_ready(video)
        scenario.play(video)
        scenario.worker_api()
    finally:
        output = server.stop()

    leaked = sorted(secret for secret in scenario.secrets if secret in output)
    assert not leaked, leaked
    # Also those nobody saw: the presigned GET the probe and the worker open.
    assert not UNREDACTED.search(output), UNREDACTED.search(output)
    assert "GET /api/v1/videos/[redacted] 404" in output  # logged, without the token
