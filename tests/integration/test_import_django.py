"""``import django`` end to end: the old database (created and filled by Django, on PostgreSQL
or SQLite) into PostgreSQL and into the embedded default, then this service's HTTP answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from litestar.testing import TestClient

from academy_video.adapters.eventstore.histories import RecorderHistories
from academy_video.adapters.http.app import create_app
from academy_video.adapters.http.auth import mint
from academy_video.adapters.legacy.reader import SqlLegacyReader
from academy_video.adapters.sql.verify import verify
from academy_video.app.config import Settings
from academy_video.app.ports import Lecture, Student
from academy_video.app.switchover.importer import DjangoImport, ImportOptions
from academy_video.app.switchover.records import (
    IdFloor,
    ImportMarks,
    LegacyReader,
    MarksInMemory,
)
from academy_video.app.switchover.report import ImportReport
from academy_video.bootstrap import Adapters, Container, build, id_allocator
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.video import Video, VideoStatus
from tests.fakes.media import InMemoryObjectStorage
from tests.integration.conftest import DATABASE_URL, need_postgres
from tests.legacy_django import academy, database
from tests.legacy_django.academy import Academy, BadRow
from tests.legacy_django.database import LegacyDatabase
from tests.legacy_django.enrollment.models import Enrollment as OldEnrollment
from tests.legacy_django.lectures.models import Lecture as OldLecture
from tests.legacy_django.lectures.models import Session as OldSession
from tests.legacy_django.students.models import Student as OldStudent
from tests.legacy_django.video.models import Video as OldVideo
from tests.legacy_django.video.models import VideoPermission as OldPermission
from tests.legacy_django.video.models import VideoPlaybackEvent as OldEvent

SECRET = "jwt-test-secret-of-at-least-32-bytes!"


@dataclass
class World:
    old: LegacyDatabase
    academy: Academy
    bad: list[BadRow]
    settings: Settings


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The old database and the new store on the same kind of server: PostgreSQL (the old
    tables in a schema of their own, the new store in a database of its own) or SQLite."""
    target_db = ""
    if request.param == "postgres":
        need_postgres()
        old = database.open_postgres(DATABASE_URL)
        target_db = f"imp_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {target_db}")
        parts = urlsplit(DATABASE_URL)
        url = urlunsplit(parts._replace(path=f"/{target_db}"))
    else:
        old = database.open_sqlite(tmp_path / "old.sqlite3")
        url = ""
    filled = academy.fill_small_academy(old)
    bad = academy.add_bad_rows(old)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        jwt_secret=SECRET,
        playback_token_secret="p",
        worker_token="w",
    )
    yield World(old, filled, bad, settings)
    database.close(old)
    if target_db:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {target_db} WITH (FORCE)")


def run_import(
    world: World,
    *,
    marked: bool = False,
    wrap: Callable[[LegacyReader], LegacyReader] | None = None,
    **options: Any,
) -> ImportReport:
    """One import; ``marked``: with the store's change marks (else every row is read);
    ``wrap`` stands between the import and the old database."""
    container, ids = open_store(world)
    sql = SqlLegacyReader(world.old.url, schema=world.old.schema)
    reader: LegacyReader = wrap(sql) if wrap else sql
    try:
        floor: IdFloor = ids
        marks: ImportMarks = ids if marked else MarksInMemory()
        return DjangoImport(
            reader,
            container.directory,
            container.videos,
            container.grants,
            container.progresses,
            container.sessions,
            floor,
            marks=marks,
            histories=RecorderHistories(),
        ).run(ImportOptions(**options))
    finally:
        sql.close()
        container.close()


def open_store(world: World) -> tuple[Container, Any]:
    ids = id_allocator(world.settings)
    adapters = Adapters(storage=InMemoryObjectStorage(), ids=ids)
    return build(world.settings, adapters), ids


def get(client: TestClient[Any], path: str, tenant: str) -> Any:
    token = mint(SECRET, role="admin", tenant=tenant, user_id=1)
    response = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_old_academy_comes_over_with_its_ids_and_history(world: World) -> None:
    report = run_import(world)

    skipped = {(p.table, p.key) for p in report.problems}
    assert skipped == {(b.table, b.key) for b in world.bad}
    videos = report.tables["video_video"]
    assert videos.imported == world.academy.rows["video_video"]
    events = report.tables["video_videoplaybackevent"]
    assert events.imported == world.academy.rows["video_videoplaybackevent"]

    container, ids = open_store(world)
    try:
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]
        with TestClient(create_app(container)) as client:
            ready = world.academy.videos_by_status["READY"][0]
            old = (
                OldVideo.objects.using(world.old.alias)
                .select_related("session__lecture__tenant")
                .get(id=ready)
            )
            tenant = old.session.lecture.tenant.code
            listed = {v["id"]: v for v in get(client, "videos", tenant)}
            assert listed[ready]["status"] == "READY"
            assert listed[ready]["title"] == old.title
            assert listed[ready]["duration"] == old.duration
            assert listed[ready]["hls_path"] == old.hls_path
            permissions = get(client, f"video-permissions?video={ready}", tenant)
            old_permissions = OldPermission.objects.using(world.old.alias).filter(video_id=ready)
            assert {(p["id"], p["rule"], p["is_override"]) for p in permissions} == {
                (p.id, p.rule, p.is_override)
                for p in old_permissions
                if ("video_videopermission", p.id) not in skipped
            }
            # The old events list as the old app answered it: its server time, its snapshot.
            listed_events = get(client, f"video-playback-events?video={ready}&range=all", tenant)
            old_events = OldEvent.objects.using(world.old.alias).filter(video_id=ready)
            kept = [e for e in old_events if ("video_videoplaybackevent", e.id) not in skipped]
            assert kept and any(e.policy_snapshot for e in kept)
            assert sorted(
                (e["event_type"], e["occurred_at"][:19], e["policy_snapshot"])
                for e in listed_events
            ) == sorted(
                (e.event_type, e.occurred_at.isoformat()[:19], e.policy_snapshot) for e in kept
            )
            trail = get(client, f"audit/videos/{ready}/events", tenant)
            assert trail[0]["type"] == "Imported"
            assert trail[0]["data"]["source"] == f"video_video:{ready}"
        # The allocator hands out ids past the imported ones.
        assert ids.next_id("videos") > max(world.academy.videos_by_status["READY"])
    finally:
        container.close()


def test_a_second_run_writes_nothing_and_picks_up_a_changed_row(world: World) -> None:
    run_import(world)
    again = run_import(world)
    assert all(
        c.imported == 0 and c.changed == 0 for t, c in again.tables.items() if t != "tenants_tenant"
    )

    ready = world.academy.videos_by_status["READY"][0]
    OldVideo.objects.using(world.old.alias).filter(id=ready).update(title="Renamed")
    changed = run_import(world)
    assert changed.tables["video_video"].changed == 1
    container, _ = open_store(world)
    try:
        trail = container.audit.video_events(None, ready)
        assert [e.type for e in trail][-1] == "Edited"
    finally:
        container.close()


def test_a_dry_run_writes_nothing_and_reports_the_same(world: World) -> None:
    dry = run_import(world, dry_run=True)
    real = run_import(world)
    assert dry.tables == real.tables
    assert [p.describe() for p in dry.problems] == [p.describe() for p in real.problems]


def test_retranscode_queues_ready_videos_for_this_services_ladder(world: World) -> None:
    report = run_import(world, retranscode=True)
    assert report.tables["video_video"].imported == world.academy.rows["video_video"]
    readies = world.academy.videos_by_status["READY"]
    container, _ = open_store(world)
    try:
        # Queued, and still READY on the old output: the lectures stay playable meanwhile.
        with TestClient(create_app(container)) as client:
            for tenant in world.academy.tenants:
                for shown in get(client, "videos", tenant):
                    if shown["id"] in readies:
                        assert shown["status"] == "READY"
                        assert shown["hls_path"].startswith(f"media/hls/{tenant}/")
        for ready in readies:
            video = container.videos.find(Video.create_id(ready), Video)
            assert video is not None and video.reencoding
            video.check_playable()
            trail = [e.type for e in container.audit.video_events(None, ready)]
            assert trail == ["Imported", "ReencodeRequested"]  # the projection queues it
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]

        # This service's worker takes each (after the old PROCESSING ones queued before them)
        # and completes it: the video switches to its new output.
        while (job := container.jobs.claim_next("w1")) is not None:
            new = f"hls/{job.tenant_code}/videos/{job.video_id}/master.m3u8"
            assert container.jobs.complete(job.video_id, "w1", hls_path=new) == "ok"
        for ready in readies:
            video = container.videos.load(Video.create_id(ready), Video)
            assert (video.status, video.reencoding) == (VideoStatus.READY, False)
            assert video.hls_path == f"hls/{video.tenant}/videos/{ready}/master.m3u8"
            assert video.replaced_prefix == f"media/hls/{video.tenant}/videos/{ready}/"
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]
    finally:
        container.close()
    # Running again asks for nothing more: they are on this service's ladder now.
    again = run_import(world, retranscode=True)
    assert again.tables["video_video"].changed == 0


def test_a_tenant_map_renames_the_old_codes_and_a_code_that_is_no_slug_is_skipped(
    world: World,
) -> None:
    old_code = world.academy.tenants[0]
    report = run_import(
        world, tenant_map={old_code: "renamed", world.academy.tenants[1]: "No Slug"}
    )
    assert ("tenants_tenant", 2) in {(p.table, p.key) for p in report.problems}
    container, _ = open_store(world)
    try:
        with TestClient(create_app(container)) as client:
            listed = get(client, "videos", "renamed")
            assert listed
            assert get(client, "videos", old_code) == []
    finally:
        container.close()


def test_a_bad_event_of_a_session_is_skipped_and_the_session_is_whole(world: World) -> None:
    alias = world.old.alias
    first = OldEvent.objects.using(alias).order_by("session_id", "id").first()
    assert first is not None
    siblings = OldEvent.objects.using(alias).filter(session_id=first.session_id)
    count = siblings.count()
    assert count > 1
    bad = siblings.order_by("id")[1]
    OldEvent.objects.using(alias).filter(id=bad.id).update(event_type="TELEPORT")

    report = run_import(world)
    assert ("video_videoplaybackevent", bad.id) in {(p.table, p.key) for p in report.problems}
    container, _ = open_store(world)
    try:
        session = container.sessions.find(
            PlaybackSession.create_id(str(first.session_id)), PlaybackSession
        )
        assert session is not None
        assert session.events_total == count - 1  # every other event, each once
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]
    finally:
        container.close()
    # Run again: the skipped event is skipped again, nothing else is written.
    again = run_import(world)
    assert again.tables["video_videoplaybackevent"].imported == 0


def test_an_id_another_tenant_owns_here_is_skipped_with_what_refers_to_it(world: World) -> None:
    """The directory's owner rule holds for the import's bulk writes: the other tenant's rows
    stay as they are, the old rows with their ids are skipped, and so are the rows below."""
    lecture = OldLecture.objects.using(world.old.alias).order_by("id").first()
    student = OldStudent.objects.using(world.old.alias).order_by("id").first()
    assert lecture is not None and student is not None
    theirs = Lecture(lecture.id, "someone-else", "Theirs")
    their_student = Student(student.id, "someone-else", 1, "Theirs")
    container, _ = open_store(world)
    try:
        assert container.directory.put_many([theirs]) == []
        assert container.directory.put_many([their_student]) == []
    finally:
        container.close()

    report = run_import(world)

    reasons = {(p.table, p.key): p.reason for p in report.problems}
    refused = "its id is another tenant's here"
    assert reasons[("lectures_lecture", lecture.id)] == refused
    assert reasons[("students_student", student.id)] == refused
    sessions = OldSession.objects.using(world.old.alias).filter(lecture_id=lecture.id)
    assert sessions and all(
        reasons[("lectures_session", s.id)] == "dangling lecture" for s in sessions
    )
    enrollments = OldEnrollment.objects.using(world.old.alias).filter(student_id=student.id)
    assert enrollments and all(
        reasons[("enrollment_enrollment", e.id)] == "dangling student" for e in enrollments
    )
    container, _ = open_store(world)
    try:
        assert container.directory.lecture(lecture.id) == theirs
        assert container.directory.student(student.id) == their_student
    finally:
        container.close()
