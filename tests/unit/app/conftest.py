"""A small academy in memory: one tenant's lecture with a session and three students."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.app.playback import Beat
from academy_video.app.ports import Directory, Student
from academy_video.bootstrap import Adapters, Container
from academy_video.domain.policy import VideoDefaults
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.container import build_in_memory
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage

TENANT = "demo"
LECTURE, SESSION = 1, 10
# enrollment id → user id
ALICE, BOB, CAROL = 101, 102, 103
USERS = {ALICE: 1001, BOB: 1002, CAROL: 1003}


@dataclass
class World:
    app: Container
    clock: FakeClock
    directory: Directory
    storage: InMemoryObjectStorage

    def heartbeat(
        self, *, user_id: int, token: str, position: float | None = None, tenant: str = TENANT
    ) -> Beat:
        """The (asynchronous) heartbeat, run to completion."""
        beat = self.app.playback.live.heartbeat(
            tenant=tenant, user_id=user_id, token=token, position=position
        )
        return asyncio.run(beat)

    def report_events(
        self, *, user_id: int, token: str, events: list[dict[str, Any]], tenant: str = TENANT
    ) -> int:
        """The (asynchronous) report of player events, run to completion."""
        report = self.app.playback.live.report_events(
            tenant=tenant, user_id=user_id, token=token, events=events
        )
        return asyncio.run(report)

    def ready_video(self, *, defaults: VideoDefaults | None = None, duration: int = 100) -> int:
        """Upload, confirm and transcode a video; returns its id."""
        ticket = self.app.uploads.init(
            tenant=TENANT, session_id=SESSION, title="Limits", filename="a.mp4", defaults=defaults
        )
        video_id = ticket.video.video_id
        self.storage.put(ticket.file_key, f"video:{duration}".encode())
        self.app.uploads.complete(tenant=TENANT, video_id=video_id)
        job = self.app.jobs.claim_next("w1")
        assert job is not None and job.video_id == video_id
        self.app.jobs.complete(
            video_id, "w1", hls_path=f"hls/{TENANT}/videos/{video_id}/master.m3u8"
        )
        return video_id


# How worlds are built: in memory here; tests/integration swaps in SQLite and PostgreSQL.
BUILDER: Callable[[Settings, Adapters], Container] = build_in_memory


def make_world(
    settings: Settings | None = None,
    builder: Callable[[Settings, Adapters], Container] | None = None,
) -> World:
    clock, storage = FakeClock(), InMemoryObjectStorage()
    app = (builder or BUILDER)(
        settings
        or Settings(
            playback_token_secret="test-secret",
            max_sessions=2,
            max_devices=2,
            progress_flush_seconds=0,
        ),
        Adapters(clock=clock, storage=storage, probe=FakeMediaProbe(storage)),
    )
    sync = app.directory_sync
    sync.put_lecture(tenant=TENANT, lecture_id=LECTURE, title="Calculus")
    sync.put_session(tenant=TENANT, session_id=SESSION, lecture_id=LECTURE, title="Week 1")
    sync.put_lecture(tenant="other", lecture_id=2, title="Elsewhere")
    sync.put_session(tenant="other", session_id=20, lecture_id=2, title="Other week")
    for enrollment_id, user_id in USERS.items():
        student_id = enrollment_id + 500
        sync.put_student(Student(student_id, TENANT, user_id, name=f"Student {enrollment_id}"))
        enroll(sync, enrollment_id, active=True)
        sync.set_access(
            tenant=TENANT, session_id=SESSION, enrollment_id=enrollment_id, granted=True
        )
    return World(app, clock, app.directory, storage)


def enroll(sync: DirectorySync, enrollment_id: int, *, active: bool) -> None:
    sync.put_enrollment(
        tenant=TENANT,
        enrollment_id=enrollment_id,
        student_id=enrollment_id + 500,
        lecture_id=LECTURE,
        status="ACTIVE" if active else "INACTIVE",
    )


@pytest.fixture
def world() -> World:
    return make_world()
