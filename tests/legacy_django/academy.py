"""A realistic old academy, written through the old ORM (``bulk_create``), deterministic from
``seed``: tenants, lectures with sessions, students, enrollments (some inactive), session access,
attendance (ONLINE among others), videos in every status (READY ones with file key, HLS path,
thumbnail and duration), permissions of every kind (free/once/blocked, policy overrides, block
flags, is_override), progress (some completed), playback sessions in every status and their
playback events. ``add_bad_rows`` adds the rows an old database may hold that cannot come over.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models, transaction

from tests.legacy_django.attendance.models import Attendance
from tests.legacy_django.database import LegacyDatabase, legacy_models
from tests.legacy_django.enrollment.models import Enrollment, SessionEnrollment
from tests.legacy_django.lectures.models import Lecture, Session
from tests.legacy_django.students.models import Student
from tests.legacy_django.tenants.models import Tenant
from tests.legacy_django.video.models import (
    Video,
    VideoPermission,
    VideoPlaybackEvent,
    VideoPlaybackSession,
    VideoProgress,
)

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TENANT_CODES = ("daechi-math", "mokdong-english", "bundang-science")
VIDEO_STATUSES = ("READY", "PENDING", "UPLOADED", "PROCESSING", "FAILED")
SESSION_STATUSES = ("ENDED", "EXPIRED", "REVOKED", "ACTIVE")
ATTENDANCE_STATUSES = ("ONLINE", "ONLINE", "PRESENT", "ABSENT", "LATE")
EVENT_TYPES = tuple(VideoPlaybackEvent.EventType.values)
SESSIONS_PER_LECTURE = 4
BATCH = 2000

Progress = Callable[[str, int], None]


@dataclass
class Academy:
    """What was written: rows per table, the tenants' codes, the video ids per status."""

    database: LegacyDatabase
    tenants: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    videos_by_status: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class BadRow:
    table: str
    key: int
    reason: str


def fill_small_academy(database: LegacyDatabase, seed: int = 19) -> Academy:
    """The fast tests' academy: every kind of row, a few of each."""
    return fill_academy(database, videos=8, enrollments=30, events=400, seed=seed)


def fill_academy(
    database: LegacyDatabase,
    videos: int = 50,
    enrollments: int = 2000,
    events: int = 200_000,
    seed: int = 19,
    tenants: int = 2,
    progress: Progress | None = None,
) -> Academy:
    """Fill an empty old database; ``progress(table, rows)`` is told after each batch."""
    rng = random.Random(seed)
    writer = _Writer(database, progress)
    codes = list(TENANT_CODES[: max(1, min(tenants, len(TENANT_CODES)))])
    academy = Academy(database, codes)
    with _historical_timestamps():
        tenant_rows = [
            Tenant(id=i + 1, code=code, name=code.replace("-", " ").title(), **_stamps(0))
            for i, code in enumerate(codes)
        ]
        writer.write(Tenant, tenant_rows)
        lecture_count = max(len(codes), math.ceil(videos / 4))
        lectures = [
            Lecture(id=i + 1, tenant_id=i % len(codes) + 1, title=f"Lecture {i + 1}", **_stamps(i))
            for i in range(lecture_count)
        ]
        writer.write(Lecture, lectures)
        sessions = [
            Session(
                id=lecture.id * 100 + order,
                lecture_id=lecture.id,
                order=order,
                title=f"Week {order}",
                **_stamps(order),
            )
            for lecture in lectures
            for order in range(1, SESSIONS_PER_LECTURE + 1)
        ]
        writer.write(Session, sessions)
        students = _students(rng, max(1, enrollments // 2), len(codes))
        writer.write(Student, students)
        enrollment_rows = _enrollments(rng, enrollments, students, lectures)
        writer.write(Enrollment, enrollment_rows)
        by_lecture: dict[int, list[Enrollment]] = {}
        for row in enrollment_rows:
            by_lecture.setdefault(row.lecture_id, []).append(row)
        writer.write(SessionEnrollment, _access(rng, sessions, by_lecture))
        writer.write(Attendance, _attendance(rng, sessions, by_lecture))
        video_rows = _videos(rng, videos, sessions, lectures, codes)
        writer.write(Video, video_rows)
        for video in video_rows:
            academy.videos_by_status.setdefault(video.status, []).append(video.id)
        lecture_of_session = {s.id: s.lecture_id for s in sessions}
        audience = {v.id: by_lecture.get(lecture_of_session[v.session_id], []) for v in video_rows}
        writer.write(VideoPermission, _permissions(rng, video_rows, audience))
        progresses = _progresses(rng, video_rows, audience)
        writer.write(VideoProgress, progresses)
        playback = _playback_sessions(rng, progresses)
        writer.write(VideoPlaybackSession, playback)
        users = {s.id: s.user_id for s in students}
        student_of = {e.id: e.student_id for e in enrollment_rows}
        for chunk in _events(rng, events, playback, users, student_of):
            writer.write(VideoPlaybackEvent, chunk)
    writer.reset_sequences()
    academy.rows = writer.rows
    return academy


def add_bad_rows(database: LegacyDatabase) -> list[BadRow]:
    """Rows that cannot come over, each of a kind an old database may hold: a dangling foreign
    key (written with the database's checks off, as a database restored without its constraints
    would hold it), an unknown status, a negative duration (the CHECK dropped, as a database
    moved from MySQL has none), a rule outside free/once/blocked."""
    video = Video.objects.using(database.alias).filter(status="READY").order_by("id").first()
    enrollment = Enrollment.objects.using(database.alias).order_by("id").first()
    assert video is not None and enrollment is not None, "fill the academy first"
    missing = 900_000_000
    bad: list[BadRow] = []
    with _checks_off(database), _historical_timestamps():
        vid = _next_id(database, Video)
        pid = _next_id(database, VideoPermission)
        rows: list[tuple[models.Model, str]] = [
            (_video_like(video, vid, duration=-5), "negative duration"),
            (_video_like(video, vid + 1, status="ARCHIVED"), "unknown status"),
            (_video_like(video, vid + 2, session_id=missing), "dangling session"),
            (_permission(database, video, pid, rule="sometimes"), "unknown rule"),
            (
                _permission(database, video, pid + 1, enrollment_id=missing),
                "dangling enrollment",
            ),
            (
                VideoProgress(
                    id=_next_id(database, VideoProgress),
                    video_id=missing,
                    enrollment_id=enrollment.id,
                    progress=0.5,
                    updated_at=START,
                ),
                "dangling video",
            ),
            (
                VideoPlaybackSession(
                    id=_next_id(database, VideoPlaybackSession),
                    video_id=video.id,
                    enrollment_id=enrollment.id,
                    session_id=str(uuid.UUID(int=missing)),
                    device_id="bad-device",
                    status="PAUSED",
                    started_at=START,
                    **_stamps(0),
                ),
                "unknown status",
            ),
            (
                Enrollment(
                    id=_next_id(database, Enrollment),
                    student_id=missing,
                    lecture_id=enrollment.lecture_id,
                    status="ACTIVE",
                    **_stamps(0),
                ),
                "dangling student",
            ),
        ]
        for row, reason in rows:
            row.save(using=database.alias, force_insert=True)
            bad.append(BadRow(row._meta.db_table, int(row.pk), reason))
    _reset_sequences(database)
    return bad


def _video_like(video: Video, video_id: int, **changes: Any) -> Video:
    fields = {
        f.attname: getattr(video, f.attname)
        for f in Video._meta.concrete_fields
        if f.attname != "id"
    }
    return Video(id=video_id, **{**fields, **changes})


def _permission(
    database: LegacyDatabase, video: Video, permission_id: int, **changes: Any
) -> VideoPermission:
    """A permission of ``video`` for an enrollment of its lecture that has none yet (the pair
    is unique)."""
    taken = VideoPermission.objects.using(database.alias).filter(video_id=video.id)
    free = (
        Enrollment.objects.using(database.alias)
        .filter(lecture_id=video.session.lecture_id)
        .exclude(id__in=taken.values("enrollment_id"))
        .order_by("id")
        .first()
    )
    assert free is not None, "every enrollment of the lecture has a permission already"
    fields: dict[str, Any] = {"enrollment_id": free.id, "rule": "free", **changes}
    return VideoPermission(id=permission_id, video_id=video.id, **fields)


def _next_id(database: LegacyDatabase, model: type[models.Model]) -> int:
    top = model.objects.using(database.alias).aggregate(top=models.Max("id"))["top"]
    return int(top or 0) + 1


@contextmanager
def _checks_off(database: LegacyDatabase) -> Iterator[None]:
    connection = connections[database.alias]
    if database.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'video_video'::regclass "
                "AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%duration%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE video_video DROP CONSTRAINT "{name}"')
        with transaction.atomic(using=database.alias), connection.cursor() as cursor:
            # Foreign keys are triggers; a replica session (a superuser's) does not fire them.
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


@contextmanager
def _historical_timestamps() -> Iterator[None]:
    """Let the rows keep the times they are given: ``auto_now``/``auto_now_add`` would stamp
    every row with the fill's own clock."""
    switched: list[tuple[models.DateTimeField, bool, bool]] = []
    for model in legacy_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in switched:
            f.auto_now, f.auto_now_add = now, now_add


def _reset_sequences(database: LegacyDatabase) -> None:
    connection = connections[database.alias]
    statements = connection.ops.sequence_reset_sql(no_style(), legacy_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class _Writer:
    def __init__(self, database: LegacyDatabase, progress: Progress | None) -> None:
        self.database = database
        self.progress = progress
        self.rows: dict[str, int] = {}

    def write(self, model: type[models.Model], rows: list[Any]) -> None:
        table = model._meta.db_table
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            model.objects.using(self.database.alias).bulk_create(chunk)
            self.rows[table] = self.rows.get(table, 0) + len(chunk)
            if self.progress is not None:
                self.progress(table, self.rows[table])
        self.rows.setdefault(table, 0)

    def reset_sequences(self) -> None:
        _reset_sequences(self.database)


def _stamps(days: int) -> dict[str, datetime]:
    created = START + timedelta(days=days)
    return {"created_at": created, "updated_at": created}


def _students(rng: random.Random, count: int, tenants: int) -> list[Student]:
    rows: list[Student] = []
    for i in range(count):
        phone = (
            ""
            if i % 11 == 5
            else None
            if i % 13 == 7
            else f"010-{rng.randrange(10**4):04}-{i % 10**4:04}"
        )
        rows.append(
            Student(
                id=i + 1,
                tenant_id=i % tenants + 1,
                user_id=10_000 + i,
                name=f"학생{i + 1:04}",
                phone=phone,
                parent_phone=None
                if i % 7 == 3
                else f"010-{rng.randrange(10**4):04}-{rng.randrange(10**4):04}",
                school=rng.choice(("", "대치중", "휘문고", "단대부고")),
                grade=None if i % 9 == 4 else rng.randint(1, 3),
                **_stamps(i % 30),
            )
        )
    return rows


def _enrollments(
    rng: random.Random, count: int, students: list[Student], lectures: list[Lecture]
) -> list[Enrollment]:
    by_tenant: dict[int, list[Lecture]] = {}
    for lecture in lectures:
        by_tenant.setdefault(lecture.tenant_id, []).append(lecture)
    rows: list[Enrollment] = []
    for i in range(count):
        student = students[i % len(students)]
        own = by_tenant[student.tenant_id]
        lecture = own[(i // len(students) + student.id) % len(own)]
        status = "ACTIVE" if i % 10 else rng.choice(("INACTIVE", "PENDING"))
        rows.append(
            Enrollment(
                id=i + 1, student_id=student.id, lecture_id=lecture.id, status=status, **_stamps(1)
            )
        )
    return rows


def _access(
    rng: random.Random, sessions: list[Session], by_lecture: dict[int, list[Enrollment]]
) -> list[SessionEnrollment]:
    rows: list[SessionEnrollment] = []
    for session in sessions:
        for enrollment in by_lecture.get(session.lecture_id, []):
            if rng.random() < 0.9:
                rows.append(
                    SessionEnrollment(
                        id=len(rows) + 1,
                        session_id=session.id,
                        enrollment_id=enrollment.id,
                        **_stamps(2),
                    )
                )
    return rows


def _attendance(
    rng: random.Random, sessions: list[Session], by_lecture: dict[int, list[Enrollment]]
) -> list[Attendance]:
    rows: list[Attendance] = []
    for session in sessions:
        for enrollment in by_lecture.get(session.lecture_id, []):
            if rng.random() < 0.75:
                rows.append(
                    Attendance(
                        id=len(rows) + 1,
                        session_id=session.id,
                        enrollment_id=enrollment.id,
                        status=rng.choice(ATTENDANCE_STATUSES),
                        **_stamps(3 + session.order * 7),
                    )
                )
    return rows


def _videos(
    rng: random.Random,
    count: int,
    sessions: list[Session],
    lectures: list[Lecture],
    codes: list[str],
) -> list[Video]:
    tenant_of = {lecture.id: codes[lecture.tenant_id - 1] for lecture in lectures}
    rows: list[Video] = []
    for i in range(count):
        video_id = i + 1
        session = sessions[(i * SESSIONS_PER_LECTURE + i // len(lectures)) % len(sessions)]
        tenant = tenant_of[session.lecture_id]
        status = (
            VIDEO_STATUSES[i]
            if i < len(VIDEO_STATUSES)
            else rng.choices(VIDEO_STATUSES, weights=(75, 5, 5, 5, 10))[0]
        )
        fields: dict[str, Any] = {
            "file_key": f"videos/{tenant}/{session.id}/{uuid.UUID(int=rng.getrandbits(128))}.mp4",
            "allow_skip": rng.random() < 0.3,
            "max_speed": rng.choice((1.0, 1.0, 1.25, 1.5, 2.0)),
            "show_watermark": rng.random() < 0.8,
            "policy_version": rng.randint(1, 4),
        }
        if status == "READY":
            prefix = f"media/hls/{tenant}/videos/{video_id}"
            fields["duration"] = rng.randint(300, 3600)
            fields["hls_path"] = f"{prefix}/master.m3u8"
            # An instructor's upload (the ImageField's upload_to), the worker's, or none.
            thumbnails = {4: f"thumbnails/{video_id}.jpg", 5: None}
            fields["thumbnail"] = thumbnails.get(i % 6, f"{prefix}/thumbnail.jpg")
        elif status == "PROCESSING":
            fields["processing_started_at"] = START + timedelta(days=20)
            fields["leased_until"] = START + timedelta(days=20, minutes=5)
            fields["leased_by"] = "worker-1"
        elif status == "FAILED":
            fields["error_reason"] = "ffmpeg exited with status 1"
        elif status == "PENDING" and i % 2:
            fields["file_key"] = ""
        rows.append(
            Video(
                id=video_id,
                session_id=session.id,
                title=f"{session.title} part {i % 3 + 1}",
                order=i % 3 + 1,
                status=status,
                **fields,
                **_stamps(5 + i % 20),
            )
        )
    return rows


def _permissions(
    rng: random.Random, videos: list[Video], audience: dict[int, list[Enrollment]]
) -> list[VideoPermission]:
    rows: list[VideoPermission] = []
    for video in videos:
        for enrollment in audience[video.id]:
            n = len(rows)
            # The first rows cover every kind once; the rest are drawn.
            if n >= 8 and rng.random() >= 0.3:
                continue
            rows.append(
                VideoPermission(
                    id=n + 1,
                    video_id=video.id,
                    enrollment_id=enrollment.id,
                    rule=("free", "once", "blocked")[n % 3]
                    if n < 8
                    else rng.choices(("free", "once", "blocked"), weights=(40, 45, 15))[0],
                    allow_skip_override=(n == 3)
                    or (None if rng.random() < 0.8 else rng.random() < 0.5),
                    max_speed_override=1.5 if n == 4 else (None if rng.random() < 0.8 else 2.0),
                    show_watermark_override=False
                    if n == 5
                    else (None if rng.random() < 0.85 else True),
                    block_speed_control=n == 6 or rng.random() < 0.1,
                    block_seek=n == 7 or rng.random() < 0.1,
                    is_override=n % 2 == 1 or rng.random() < 0.3,
                )
            )
    return rows


def _progresses(
    rng: random.Random, videos: list[Video], audience: dict[int, list[Enrollment]]
) -> list[VideoProgress]:
    rows: list[VideoProgress] = []
    for video in videos:
        if video.status != "READY":
            continue
        for enrollment in audience[video.id]:
            if rng.random() >= 0.6:
                continue
            done = rng.random() < 0.35
            fraction = 1.0 if done else round(rng.random() * 0.94, 4)
            rows.append(
                VideoProgress(
                    id=len(rows) + 1,
                    video_id=video.id,
                    enrollment_id=enrollment.id,
                    progress=fraction,
                    last_position=int(fraction * (video.duration or 0)),
                    completed=done,
                    updated_at=START + timedelta(days=10 + len(rows) % 30, minutes=len(rows)),
                )
            )
    return rows


def _playback_sessions(
    rng: random.Random, progresses: list[VideoProgress]
) -> list[VideoPlaybackSession]:
    rows: list[VideoPlaybackSession] = []
    for progress in progresses:
        for _ in range(rng.randint(1, 2)):
            n = len(rows)
            status = (
                SESSION_STATUSES[n]
                if n < len(SESSION_STATUSES)
                else rng.choices(SESSION_STATUSES, weights=(60, 20, 10, 10))[0]
            )
            started = START + timedelta(days=10 + n % 30, minutes=n % 600)
            rows.append(
                VideoPlaybackSession(
                    id=n + 1,
                    video_id=progress.video_id,
                    enrollment_id=progress.enrollment_id,
                    session_id=str(uuid.UUID(int=rng.getrandbits(128))),
                    device_id=f"device-{progress.enrollment_id}-{rng.randrange(3)}",
                    status=status,
                    started_at=started,
                    ended_at=None if status == "ACTIVE" else started + timedelta(minutes=40),
                    created_at=started,
                    updated_at=started if status == "ACTIVE" else started + timedelta(minutes=40),
                )
            )
    return rows


def _events(
    rng: random.Random,
    count: int,
    sessions: list[VideoPlaybackSession],
    users: dict[int, int],
    student_of: dict[int, int],
) -> Iterator[list[VideoPlaybackEvent]]:
    if not sessions:
        return
    chunk: list[VideoPlaybackEvent] = []
    for n in range(count):
        session = sessions[n % len(sessions)] if n < len(sessions) else rng.choice(sessions)
        event_type = EVENT_TYPES[n] if n < len(EVENT_TYPES) else rng.choice(EVENT_TYPES)
        violated = event_type in ("SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT") and rng.random() < 0.5
        occurred = session.started_at + timedelta(seconds=rng.randrange(2400))
        chunk.append(
            VideoPlaybackEvent(
                id=n + 1,
                video_id=session.video_id,
                enrollment_id=session.enrollment_id,
                session_id=session.session_id,
                user_id=users[student_of[session.enrollment_id]],
                event_type=event_type,
                event_payload={"position": rng.randrange(3600), "to": rng.randrange(3600)}
                if event_type == "SEEK_ATTEMPT"
                else {"rate": 2.0}
                if event_type == "SPEED_CHANGE_ATTEMPT"
                else {},
                policy_snapshot={"allow_skip": False, "max_speed": 1.0, "show_watermark": True},
                violated=violated,
                violation_reason=event_type.lower() if violated else "",
                occurred_at=occurred,
                received_at=occurred + timedelta(milliseconds=rng.randrange(50, 900)),
                created_at=occurred,
                updated_at=occurred,
            )
        )
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
