"""The real stack on 127.0.0.1 for the reliability suite: `academy-video serve` processes on a
PostgreSQL database of their own, a redis-server of their own (so a test may stop it), a bucket
on the S3 endpoint, and `academy-video worker` processes.

Scale: ``ACADEMY_VIDEO_RELIABILITY=full`` (``make test-reliability``) runs the figures the issue
names (500 students, …); otherwise (inside ``make test``) a bounded short version of each."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest

from academy_video.adapters.http.auth import mint
from tests.http.test_serve_process import CLI, Server, free_port
from tests.integration.test_redis_store import start_redis
from tests.media import make_video

FULL = os.environ.get("ACADEMY_VIDEO_RELIABILITY") == "full"
DATABASE_URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")
S3_ENDPOINT = os.environ.get("ACADEMY_VIDEO_TEST_S3_ENDPOINT", "")
JWT_SECRET = "reliability-jwt-secret-of-32-bytes!!"
WORKER_TOKEN = "reliability-worker-token"
LECTURE, SESSION, TENANT = 1, 10, "demo"
REPORT: list[str] = []  # the figures each test prints at the end (see pytest_terminal_summary)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("reliability figures")
        for line in REPORT:
            terminalreporter.write_line(line)


@dataclass
class Stack:
    """One deployment: its stores, its server processes, its workers."""

    root: Path
    env: dict[str, str]
    redis_port: int
    redis: list[subprocess.Popen[bytes]]
    servers: list[Server] = field(default_factory=list)
    workers: list[subprocess.Popen[str]] = field(default_factory=list)

    def serve(self) -> Server:
        n = len(self.servers)
        server = Server(self.root / "data", self.env, log=self.root / f"serve-{n}.log")
        self.servers.append(server)
        return server

    def worker(self, name: str, api: Server) -> subprocess.Popen[str]:
        with (self.root / f"worker-{name}.log").open("ab") as out:
            process = subprocess.Popen(
                [*CLI, "worker", "--api", api.url, "--id", name, "--poll", "0.2"],
                env=api.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.workers.append(process)
        return process

    def bearer(self, role: str, user: int, tenant: str = TENANT) -> dict[str, str]:
        token = mint(JWT_SECRET, role=role, tenant=tenant, user_id=user)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    def admin(self, server: Server, tenant: str = TENANT) -> httpx.Client:
        headers = self.bearer("admin", 1, tenant)
        return httpx.Client(base_url=server.url, headers=headers, timeout=30)

    def stop_redis(self) -> None:
        self.redis[-1].terminate()
        self.redis[-1].wait()

    def start_redis(self) -> None:
        self.redis.append(start_redis(self.redis_port, self.root))

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.env["ACADEMY_VIDEO_DATABASE_URL"]) as conn:
            return list(conn.execute(query, params).fetchall())


def roster(stack: Stack, server: Server, students: int) -> list[tuple[int, int]]:
    """A lecture, a session and ``students`` enrolled students: (enrollment, user) pairs."""
    with stack.admin(server) as http:
        assert http.put(f"/api/v1/directory/lectures/{LECTURE}", json={"title": "L"}).is_success
        assert http.put(
            f"/api/v1/directory/sessions/{SESSION}", json={"lecture_id": LECTURE}
        ).is_success
        pairs = []
        for n in range(students):
            enrollment, user = 1000 + n, 100_000 + n
            http.put(f"/api/v1/directory/students/{enrollment}", json={"user_id": user})
            http.put(
                f"/api/v1/directory/enrollments/{enrollment}",
                json={"student_id": enrollment, "lecture_id": LECTURE, "status": "ACTIVE"},
            )
            http.put(
                "/api/v1/directory/session-access",
                json={"session_id": SESSION, "enrollment_id": enrollment, "granted": True},
            )
            pairs.append((enrollment, user))
    return pairs


def ready_video(
    stack: Stack,
    server: Server,
    duration: int = 600,
    *,
    tenant: str = TENANT,
    session: int = SESSION,
) -> int:
    """A READY video of ``tenant``'s ``session`` without media (the playback API does not read
    the media)."""
    with stack.admin(server, tenant) as http:
        ticket = http.post(
            "/api/v1/videos/upload/init",
            json={"session": session, "title": "T", "filename": "a.mp4"},
        ).json()
        video = int(ticket["video"]["id"])
        source = make_video(stack.root / f"source-{video}.mp4", seconds=1)
        boto3.client("s3", endpoint_url=S3_ENDPOINT).put_object(
            Bucket=stack.env["ACADEMY_VIDEO_S3_BUCKET"],
            Key=ticket["file_key"],
            Body=source.read_bytes(),
        )
        assert http.post(f"/api/v1/videos/{video}/upload/complete").is_success
        worker = {"X-Worker-Token": WORKER_TOKEN, "X-Worker-Id": "setup"}
        done = http.post(
            f"/api/v1/internal/videos/{video}/processing-complete/",
            headers=worker,
            json={"hls_path": f"hls/{tenant}/videos/{video}/master.m3u8", "duration": duration},
        )
        assert done.is_success, done.text
    return video


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with deployed(tmp_path) as stack:
        yield stack


@pytest.fixture(scope="module")
def shared_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for a module's tests that only read or add (none stops a store)."""
    with deployed(tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@contextmanager
def deployed(tmp_path: Path) -> Iterator[Stack]:
    if not (DATABASE_URL and S3_ENDPOINT):
        pytest.fail("the reliability suite needs `make test` or `make test-reliability` services")
    database = f"rel_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    bucket = f"rel-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=S3_ENDPOINT).create_bucket(Bucket=bucket)
    redis_port = free_port()
    redis = [start_redis(redis_port, tmp_path)]
    env = {
        "ACADEMY_VIDEO_DATABASE_URL": DATABASE_URL.rsplit("/", 1)[0] + "/" + database,
        "ACADEMY_VIDEO_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ACADEMY_VIDEO_S3_BUCKET": bucket,
        "ACADEMY_VIDEO_S3_ENDPOINT_URL": S3_ENDPOINT,
        "ACADEMY_VIDEO_S3_REGION": "us-east-1",
        "ACADEMY_VIDEO_JWT_SECRET": JWT_SECRET,
        "ACADEMY_VIDEO_WORKER_TOKEN": WORKER_TOKEN,
        "ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET": "reliability-playback-secret",
        "ACADEMY_VIDEO_CDN_BASE_URL": "https://cdn.invalid",
        "ACADEMY_VIDEO_CDN_SIGNING_SECRET": "reliability-cdn-secret",
        "ACADEMY_VIDEO_EMBEDDED_WORKER": "0",
        "ACADEMY_VIDEO_START_RATE_PER_MINUTE": "0",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    }
    stack = Stack(tmp_path, env, redis_port, redis)
    try:
        yield stack
    finally:
        for process in [*stack.workers, *(s.process for s in stack.servers)]:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        for redis_process in stack.redis:
            redis_process.kill()
            redis_process.wait()
        deadline = time.monotonic() + 10
        while True:  # the servers' connections close with them
            try:
                with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE {database} WITH (FORCE)")
                break
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
