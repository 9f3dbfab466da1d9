"""The HTTP API end to end through Litestar's test client, on the embedded default's stores
(SQLite files in a temporary directory): a tenant ``demo`` with a lecture, a session, three
students, and a tenant ``other`` with its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.http.auth import Role, mint
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, Container, build
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage

SECRET = "jwt-test-secret-of-at-least-32-bytes!"
WORKER_TOKEN = "worker-token-for-tests"
LECTURE, SESSION, OTHER_SESSION = 1, 10, 20
STUDENTS = {101: 1001, 102: 1002, 103: 1003}  # enrollment → user
STAFF_USER, ADMIN_USER = 7, 1


@dataclass
class Api:
    client: TestClient[Any]
    app: Container
    storage: InMemoryObjectStorage

    def headers(
        self, role: Role = "admin", tenant: str = "demo", user: int = ADMIN_USER
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint(SECRET, role=role, tenant=tenant, user_id=user)}"}

    def call(
        self,
        method: str,
        path: str,
        *,
        role: Role = "admin",
        tenant: str = "demo",
        user: int | None = None,
        **kwargs: Any,
    ) -> Any:
        user = user or {"admin": ADMIN_USER, "staff": STAFF_USER, "student": 1001}[role]
        return self.client.request(method, path, headers=self.headers(role, tenant, user), **kwargs)

    def ready_video(
        self, *, title: str = "Limits", session: int = SESSION, tenant: str = "demo"
    ) -> int:
        ticket = self.app.uploads.init(
            tenant=tenant, session_id=session, title=title, filename="a.mp4"
        )
        video_id = ticket.video.video_id
        self.storage.put(ticket.file_key, b"video:100")
        self.app.uploads.complete(tenant=tenant, video_id=video_id)
        job = self.app.jobs.claim_next("w1")
        assert job is not None
        self.app.jobs.complete(
            video_id, "w1", hls_path=f"hls/{tenant}/videos/{video_id}/master.m3u8"
        )
        return video_id


def roster() -> list[tuple[str, dict[str, Any], str]]:
    """The directory calls (path under /api/v1/directory, body, tenant) of the tests' world."""
    calls: list[tuple[str, dict[str, Any], str]] = [
        (f"lectures/{LECTURE}", {"title": "Calculus"}, "demo"),
        (f"sessions/{SESSION}", {"lecture_id": LECTURE, "title": "Week 1"}, "demo"),
    ]
    for enrollment, user in STUDENTS.items():
        calls += [
            (
                f"students/{enrollment + 500}",
                {"user_id": user, "name": f"Student {enrollment}"},
                "demo",
            ),
            (
                f"enrollments/{enrollment}",
                {"student_id": enrollment + 500, "lecture_id": LECTURE, "status": "ACTIVE"},
                "demo",
            ),
            (
                "session-access",
                {"session_id": SESSION, "enrollment_id": enrollment, "granted": True},
                "demo",
            ),
        ]
    return [
        *calls,
        ("lectures/2", {"title": "Elsewhere"}, "other"),
        (f"sessions/{OTHER_SESSION}", {"lecture_id": 2, "title": "Other"}, "other"),
        ("students/900", {"user_id": 9000, "name": "Outsider"}, "other"),
        ("enrollments/900", {"student_id": 900, "lecture_id": 2, "status": "ACTIVE"}, "other"),
    ]


def sync_roster(api: Api) -> None:
    for path, body, tenant in roster():
        response = api.call("PUT", f"/api/v1/directory/{path}", json=body, tenant=tenant)
        assert response.status_code == 200, response.text


@contextmanager
def serving(tmp_path: Path, **settings: Any) -> Iterator[Api]:
    """The API on the embedded default's stores (or as ``settings`` say), roster synced."""
    storage = InMemoryObjectStorage()
    container = build(
        Settings(
            data_dir=tmp_path,
            jwt_secret=SECRET,
            playback_token_secret="p",
            worker_token=WORKER_TOKEN,
            max_sessions=2,
            max_devices=2,
            progress_flush_seconds=0,
            **settings,
        ),
        Adapters(storage=storage, probe=FakeMediaProbe(storage)),
    )
    with TestClient(create_app(container)) as client:
        api = Api(client, container, storage)
        sync_roster(api)
        yield api
    container.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(tmp_path) as api:
        yield api
