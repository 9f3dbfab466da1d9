"""Hostile uploads on the real stack (serve on PostgreSQL, Redis and S3, a worker process): the
hostile corpus and a fuzz of a valid MP4 go through presigned PUTs, `upload/complete` and the
worker, while `/health` is asked every 50 ms. Every hostile source is a 409 with its reason or a
FAILED video with one; no connection reaches the listener; `/health` answers 200 throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import httpx
import pytest

from tests.hostile_media import corpus, listening, mutations
from tests.http.test_serve_process import Server
from tests.media import make_video

from .conftest import FULL, REPORT, S3_ENDPOINT, SESSION, Stack, roster
from .helpers import poll

VICTIM_SEGMENT = "hls/victim/videos/7/360p/seg_00000.ts"
FUZZ_UPLOADS = 200 if FULL else 30


@dataclass
class Health:
    """`/health`, asked every 50 ms from another thread."""

    url: str
    answers: list[int] = field(default_factory=list)
    slowest: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self.stop.wait(0.05):
                started = time.monotonic()
                try:
                    self.answers.append(http.get(f"{self.url}/health").status_code)
                except httpx.TransportError:
                    self.answers.append(0)
                self.slowest = max(self.slowest, time.monotonic() - started)


@pytest.fixture
def watched(shared_stack: Stack) -> Iterator[tuple[Server, Health]]:
    server = shared_stack.serve()
    roster(shared_stack, server, 1)
    shared_stack.worker("hostile", server)
    health = Health(server.url)
    thread = threading.Thread(target=health.watch, daemon=True)
    thread.start()
    yield server, health
    health.stop.set()
    thread.join()


def upload(http: httpx.Client, name: str, filename: str, content: bytes) -> httpx.Response:
    ticket = http.post(
        "/api/v1/videos/upload/init",
        json={"session": SESSION, "title": name, "filename": filename},
    ).json()
    put = httpx.put(
        ticket["upload_url"],
        content=content,
        headers={"Content-Type": ticket["content_type"]},
        timeout=30,
    )
    assert put.status_code == 200, put.text
    return http.post(f"/api/v1/videos/{ticket['video']['id']}/upload/complete")


def test_hostile_uploads_are_refused_with_reasons_while_health_answers(
    shared_stack: Stack, watched: tuple[Server, Health]
) -> None:
    server, health = watched
    s3 = boto3.client("s3", endpoint_url=S3_ENDPOINT)
    bucket = shared_stack.env["ACADEMY_VIDEO_S3_BUCKET"]
    segment = make_video(shared_stack.root / "victim.mp4", seconds=2).read_bytes()
    s3.put_object(Bucket=bucket, Key=VICTIM_SEGMENT, Body=segment)
    with shared_stack.admin(server) as http, listening() as listener:
        for case in corpus(shared_stack.root, VICTIM_SEGMENT, listener):
            done = upload(http, case.name, case.filename, case.content)
            assert done.status_code == 409, (case.name, done.text)
            assert done.json()["detail"].removeprefix("invalid_media:") in case.reasons
        valid = make_video(shared_stack.root / "valid.mp4", seconds=2).read_bytes()
        answers = [
            upload(http, name, "fuzz.mp4", data).status_code
            for name, data in mutations(valid, FUZZ_UPLOADS, seed=23)
        ]
        assert set(answers) <= {200, 409}, answers

        def settled() -> list[dict[str, object]] | None:
            videos = http.get("/api/v1/videos/").json()
            busy = [v for v in videos if v["status"] in ("UPLOADED", "PROCESSING")]
            return None if busy else videos

        videos = poll(settled, 60 + 10 * FUZZ_UPLOADS, "every accepted upload transcoded")
    failed = [v for v in videos if v["status"] == "FAILED"]
    assert all(v["error_reason"] for v in failed)
    assert listener.connections == []
    asked = len(health.answers)
    poll(lambda: len(health.answers) > asked, 10, "one more /health after the last upload")
    assert health.answers and set(health.answers) == {200}, set(health.answers)
    REPORT.append(
        f"hostile uploads: {answers.count(200)} of {len(answers)} fuzzed accepted, "
        f"{len(failed)} FAILED with a reason; /health asked {len(health.answers)} times, "
        f"all 200, slowest {health.slowest * 1000:.0f} ms"
    )
