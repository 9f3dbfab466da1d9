"""A small academy in memory: one tenant's lecture with a session and three students."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from academy_video.adapters.memory.basics import FakeClock
from academy_video.adapters.memory.directory import InMemoryDirectory
from academy_video.adapters.memory.media import InMemoryObjectStorage
from academy_video.app.bootstrap import Container, build_in_memory
from academy_video.app.config import Settings
from academy_video.app.ports import Enrollment
from academy_video.domain.policy import VideoDefaults

TENANT = "demo"
LECTURE, SESSION = 1, 10
# enrollment id → user id
ALICE, BOB, CAROL = 101, 102, 103
USERS = {ALICE: 1001, BOB: 1002, CAROL: 1003}


@dataclass
class World:
    app: Container
    clock: FakeClock
    directory: InMemoryDirectory
    storage: InMemoryObjectStorage

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
        self.app.jobs.complete(video_id, "w1", hls_path=f"hls/{TENANT}/{video_id}/master.m3u8")
        return video_id


# How worlds are built: in memory here; tests/integration swaps in SQLite and PostgreSQL.
BUILDER: Callable[..., Container] = build_in_memory


def make_world(settings: Settings | None = None) -> World:
    clock, directory, storage = FakeClock(), InMemoryDirectory(), InMemoryObjectStorage()
    directory.put_lecture(LECTURE, TENANT, "Calculus")
    directory.put_session(SESSION, LECTURE, "Week 1")
    directory.put_lecture(2, "other", "Elsewhere")
    directory.put_session(20, 2, "Other week")
    for enrollment_id, user_id in USERS.items():
        directory.put_enrollment(
            Enrollment(enrollment_id, enrollment_id + 500, user_id, LECTURE, TENANT, True, "S")
        )
        directory.set_access(SESSION, enrollment_id)
    app = BUILDER(
        settings or Settings(playback_token_secret="test-secret", max_sessions=2, max_devices=2),
        clock=clock,
        directory=directory,
        storage=storage,
    )
    return World(app, clock, directory, storage)


@pytest.fixture
def world() -> World:
    return make_world()
