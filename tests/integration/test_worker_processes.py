"""Real processes: `serve` on the embedded default and `academy-video worker --api` processes,
transcoding real uploads. Two workers never process one video; a worker killed with SIGKILL
mid-job loses its lease and another finishes the job, with exactly one completion recorded;
SIGTERM stops a worker cleanly without completing anything."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_video.app.config import Settings
from academy_video.bootstrap import open_applications
from academy_video.domain.video import Video
from tests.http.test_serve_process import CLI, Server
from tests.media import make_video

TOKEN = "worker-token-for-process-tests"
LEASE = 3


class Stack:
    def __init__(self, data_dir: Path) -> None:
        self.env = {
            "ACADEMY_VIDEO_WORKER_TOKEN": TOKEN,
            "ACADEMY_VIDEO_EMBEDDED_WORKER": "0",
            "ACADEMY_VIDEO_WORKER_LEASE_SECONDS": str(LEASE),
            "ACADEMY_VIDEO_TRANSCODE_PRESET": "medium",
        }
        # serve's output to a file: a pipe nobody reads fills with access lines as the workers
        # poll, and then blocks serve (a GET timed out after 30 s that way, under load).
        data_dir.mkdir(parents=True, exist_ok=True)
        self.server = Server(data_dir, self.env, log=data_dir / "serve.log")
        self.workers: list[subprocess.Popen[str]] = []
        admin = self.server.token("--role", "admin", "--tenant", "demo", "--user", "1")
        self.http = httpx.Client(
            base_url=self.server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=30
        )
        assert self.http.put("/api/v1/directory/lectures/1", json={"title": "L"}).status_code == 200
        assert (
            self.http.put("/api/v1/directory/sessions/10", json={"lecture_id": 1}).status_code
            == 200
        )

    def worker(self, name: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [*CLI, "worker", "--api", self.server.url, "--id", name, "--poll", "0.2"],
            env=self.server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.workers.append(process)
        return process

    def upload(self, source: Path) -> int:
        ticket = self.http.post(
            "/api/v1/videos/upload/init/",
            json={"session": 10, "title": source.name, "filename": "a.mp4"},
        ).json()
        assert (
            httpx.put(ticket["upload_url"], content=source.read_bytes(), timeout=30).status_code
            == 200
        )
        assert (
            self.http.post(f"/api/v1/videos/{ticket['video']['id']}/upload/complete/").status_code
            == 200
        )
        return int(ticket["video"]["id"])

    def status(self, video: int) -> dict[str, Any]:
        body: dict[str, Any] = self.http.get(f"/api/v1/videos/{video}").json()
        return body

    def wait_for(self, video: int, status: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.status(video)
            if body["status"] == status:
                return body
            assert body["status"] != "FAILED", body
            time.sleep(0.05)  # polling a real process's state: nothing to await in-process
        raise AssertionError(f"video {video} never became {status}: {self.status(video)}")

    def events(self, video: int) -> list[str]:
        [videos, *others] = open_applications(Settings(data_dir=self.server.data_dir))
        try:
            return [
                type(e).__qualname__.rsplit(".", 1)[-1]
                for e in videos.events.get(Video.create_id(video))
            ]
        finally:
            for app in [videos, *others]:
                app.close()

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.kill()
            process.wait()
        self.http.close()
        self.server.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path / "data")
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sources")
    return {
        "short": make_video(d / "short.mp4", seconds=4, size=(320, 240)),
        "long": make_video(d / "long.mp4", seconds=30, size=(854, 480), gop_seconds=10),
    }


def test_two_workers_share_the_queue_and_never_the_same_video(
    stack: Stack, sources: dict[str, Path]
) -> None:
    stack.worker("w-a")
    stack.worker("w-b")
    videos = [stack.upload(sources["short"]) for _ in range(3)]
    for video in videos:
        body = stack.wait_for(video, "READY")
        assert body["duration"] == pytest.approx(4.0, abs=0.05)
        assert body["hls_path"] == f"hls/demo/videos/{video}/master.m3u8"
        assert stack.events(video).count("ProcessingStarted") == 1
        assert stack.events(video).count("ProcessingCompleted") == 1


def test_a_worker_killed_mid_job_is_replaced_after_its_lease(
    stack: Stack, sources: dict[str, Path]
) -> None:
    doomed = stack.worker("w-doomed")
    video = stack.upload(sources["long"])
    stack.wait_for(video, "PROCESSING")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    assert stack.status(video)["status"] == "PROCESSING"
    stack.worker("w-rescuer")
    body = stack.wait_for(video, "READY")
    assert body["duration"] == pytest.approx(30.0, abs=0.05)
    events = stack.events(video)
    assert events.count("ProcessingStarted") == 2  # the killed attempt, then the rescue
    assert events.count("ProcessingCompleted") == 1


def test_sigterm_stops_a_worker_cleanly_mid_job(stack: Stack, sources: dict[str, Path]) -> None:
    worker = stack.worker("w-stopping")
    video = stack.upload(sources["long"])
    stack.wait_for(video, "PROCESSING")
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "stopped" in output
    # Nothing half-written was reported: the video waits for its lease to run out.
    assert stack.status(video)["status"] == "PROCESSING"
    assert "ProcessingCompleted" not in stack.events(video)


def test_serve_transcodes_in_process_on_the_embedded_default(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    server = Server(tmp_path / "embedded")  # nothing configured: the worker runs inside serve
    try:
        admin = server.token("--role", "admin", "--tenant", "demo", "--user", "1")
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=30
        ) as http:
            http.put("/api/v1/directory/lectures/1", json={"title": "L"})
            http.put("/api/v1/directory/sessions/10", json={"lecture_id": 1})
            ticket = http.post(
                "/api/v1/videos/upload/init",
                json={"session": 10, "title": "T", "filename": "a.mp4"},
            ).json()
            assert (
                httpx.put(ticket["upload_url"], content=sources["short"].read_bytes()).status_code
                == 200
            )
            assert (
                http.post(f"/api/v1/videos/{ticket['video']['id']}/upload/complete").status_code
                == 200
            )
            deadline = time.monotonic() + 60
            while (body := http.get(f"/api/v1/videos/{ticket['video']['id']}").json())[
                "status"
            ] != "READY":
                assert body["status"] != "FAILED" and time.monotonic() < deadline, body
                time.sleep(0.05)
            assert body["processing_progress"] == 100 and body["duration"] == pytest.approx(
                4.0, abs=0.05
            )
    finally:
        server.stop()


def test_buffered_heartbeats_are_written_when_serve_stops(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    server = Server(tmp_path / "flush", {"ACADEMY_VIDEO_PROGRESS_FLUSH_SECONDS": "3600"})
    admin = server.token("--role", "admin", "--tenant", "demo", "--user", "1")
    student = server.token("--role", "student", "--tenant", "demo", "--user", "1001")
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=30
    ) as http:
        for path, body in [
            ("lectures/1", {"title": "L"}),
            ("sessions/10", {"lecture_id": 1}),
            ("students/601", {"user_id": 1001, "name": "Ada"}),
            ("enrollments/101", {"student_id": 601, "lecture_id": 1, "status": "ACTIVE"}),
            ("session-access", {"session_id": 10, "enrollment_id": 101, "granted": True}),
        ]:
            assert http.put(f"/api/v1/directory/{path}", json=body).status_code == 200
        ticket = http.post(
            "/api/v1/videos/upload/init", json={"session": 10, "title": "T", "filename": "a.mp4"}
        ).json()
        video = ticket["video"]["id"]
        assert (
            httpx.put(ticket["upload_url"], content=sources["short"].read_bytes()).status_code
            == 200
        )
        assert http.post(f"/api/v1/videos/{video}/upload/complete").status_code == 200
        deadline = time.monotonic() + 60
        while http.get(f"/api/v1/videos/{video}").json()["status"] != "READY":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        as_student = {"Authorization": f"Bearer {student}"}
        started = http.post(
            "/api/v1/playback/start",
            headers=as_student,
            json={"video_id": video, "enrollment_id": 101, "device_id": "d"},
        )
        assert started.status_code == 201, started.text
        for position in (0.0, 1.0):
            beat = http.post(
                "/api/v1/playback/heartbeat",
                headers=as_student,
                json={"token": started.json()["token"], "position": position},
            )
            assert beat.status_code == 200
        assert http.get("/api/v1/video-progress/", params={"video": video}).json() == []  # buffered
    server.stop()
    [videos, grants, sessions, progresses, hooks] = open_applications(
        Settings(data_dir=server.data_dir)
    )
    try:
        from academy_video.domain.progress import WatchProgress

        events = list(progresses.events.get(WatchProgress.create_id(video, 101)))
        assert [type(e).__qualname__.rsplit(".", 1)[-1] for e in events] == [
            "Created",
            "PositionsRecorded",
        ]
    finally:
        for app in (videos, grants, sessions, progresses, hooks):
            app.close()
