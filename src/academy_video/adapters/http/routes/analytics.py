"""Instructor analytics (admin/staff): per-video statistics, summary, achievement and policy
impact; the playback events list, the risk ranking and the CSV export. Every number is computed
by SQL (``adapters/sql/analytics.py``) over the caller's tenant's read models."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Response, Router, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream
from msgspec import Struct

from academy_video.adapters.sql.analytics import RANGES, Analytics
from academy_video.adapters.sql.read import ReadModels, Row
from academy_video.app.bootstrap import Container
from academy_video.app.errors import Invalid, NotFound
from academy_video.domain.policy import ClientEventType

from .. import csv_cells
from ..auth import STAFF, Caller
from ..deps import ERRORS, AppDep, CallerDep, PathId, QueryId
from ..schemas import VideoOut
from ..views import check_nested, utc, video_or_404

COMPLETED_AT, WARNING_AT = 0.95, 0.5  # achievement status thresholds (the seed's)
PAGE_MAX = 5_000
MAX_OFFSET = 2**31 - 1  # deeper pages are refused (400), never passed to the database

# TODO(issue 18 merge): the analytics port replaces the SQL engine these routes read from.
ReadsDep = NamedDependency[ReadModels]

Range = Annotated[str | None, QueryParameter(name="range", max_length=8)]


class StatsStudent(Struct):
    enrollment: int
    student_name: str
    attendance_status: str | None
    progress: float
    completed: bool
    rule: str
    effective_rule: str
    parent_phone: str | None
    student_phone: str | None
    school: str | None
    grade: str | None


class StatsOut(Struct):
    video: VideoOut
    students: list[StatsStudent]
    total_filtered: int


class RiskTop(Struct):
    enrollment: int
    student_name: str
    score: int


class SummaryOut(Struct):
    video_id: int
    range: str
    total_students: int
    completed_count: int
    completion_rate: float
    watched_seconds_est: int
    risk_top: list[RiskTop]


class AchievementSummary(Struct):
    total_students: int
    avg_progress: float
    completed_rate: float
    incomplete_count: int


class AchievementStudent(Struct):
    enrollment: int
    student_name: str
    progress: float
    completed: bool
    watched_seconds: float
    status: str


class AchievementOut(Struct):
    summary: AchievementSummary
    students: list[AchievementStudent]


class PolicyImpactRow(Struct):
    enrollment: int
    student_name: str
    rule: str
    effective_rule: str
    completed: bool


class PlaybackEventOut(Struct):
    id: int
    video: int
    enrollment_id: int
    student_name: str
    session_id: str
    user_id: int
    event_type: str
    violated: bool
    violation_reason: str
    event_payload: dict[str, Any]
    occurred_at: datetime
    received_at: datetime
    severity: str
    score: int


class RiskRow(Struct):
    enrollment_id: int
    student_name: str
    score: int
    danger: int
    warn: int
    info: int
    last_occurred_at: datetime | None


# Per video ------------------------------------------------------------------------------------


@get("/videos/{video_id:int}/stats", sync_to_thread=True, responses=ERRORS)
def stats(caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId) -> StatsOut:
    """ACTIVE enrollments of the lecture: progress, rule (``free`` by default), effective rule."""
    return _stats(caller, app, reads, video_id)


@get(
    "/lectures/{lecture_id:int}/sessions/{session_id:int}/videos/{video_id:int}/stats",
    sync_to_thread=True,
    responses=ERRORS,
)
def nested_stats(
    caller: CallerDep,
    app: AppDep,
    reads: ReadsDep,
    lecture_id: PathId,
    session_id: PathId,
    video_id: PathId,
) -> StatsOut:
    """The same, addressed through the video's lecture and session (both must match)."""
    out = _stats(caller, app, reads, video_id)
    check_nested(app.directory, out.video, lecture_id, session_id)
    return out


@get("/videos/{video_id:int}/summary", sync_to_thread=True, responses=ERRORS)
def summary(
    caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId, range_key: Range = None
) -> SummaryOut:
    """Completion over ACTIVE enrollments, the seed's watched-seconds estimate, the 5 riskiest."""
    key = range_key or "7d"
    since = _since(key)
    video = _video_row(caller, reads, video_id)
    analytics = Analytics(reads.engine)
    counts = analytics.completion(caller.tenant, video)
    top = analytics.risk(caller.tenant, video_id, since=since, limit=5)
    total = counts["total_students"]
    return SummaryOut(
        video_id=video_id,
        range=key,
        total_students=total,
        completed_count=counts["completed_count"],
        completion_rate=counts["completed_count"] / total if total else 0.0,
        watched_seconds_est=counts["watched_seconds_est"],
        risk_top=[RiskTop(r["enrollment_id"], r["student_name"], int(r["score"])) for r in top],
    )


@get("/videos/{video_id:int}/achievement", sync_to_thread=True, responses=ERRORS)
def achievement(
    caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId
) -> AchievementOut:
    """Students attending the session ONLINE: progress %, ``completed``/``warning``/``danger``."""
    video = _video_row(caller, reads, video_id)
    rows = Analytics(reads.engine).online_students(caller.tenant, video)
    students = [
        AchievementStudent(
            enrollment=r["enrollment"],
            student_name=r["student_name"],
            progress=round(r["progress"] * 100, 1),
            completed=bool(r["completed"]),
            watched_seconds=r["watched_seconds"],
            status=_achievement_status(r["progress"]),
        )
        for r in rows
    ]
    total = len(rows)
    completed = sum(1 for r in rows if r["completed"])
    average = sum(r["progress"] for r in rows) / total if total else 0.0
    return AchievementOut(
        AchievementSummary(
            total_students=total,
            avg_progress=round(average * 100, 1),
            completed_rate=round(completed / total * 100, 1) if total else 0,
            incomplete_count=total - completed,
        ),
        students,
    )


@get("/videos/{video_id:int}/policy-impact", sync_to_thread=True, responses=ERRORS)
def policy_impact(
    caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId
) -> list[PolicyImpactRow]:
    """Who the video's rules hold back: each ACTIVE student's rule and effective rule."""
    video = _video_row(caller, reads, video_id)
    return [
        PolicyImpactRow(
            r["enrollment"], r["student_name"], r["rule"], r["effective_rule"], bool(r["completed"])
        )
        for r in Analytics(reads.engine).students(caller.tenant, video)
    ]


# Playback events ------------------------------------------------------------------------------


# Streamed or paged, the answer is the same list: say so in the OpenAPI document.
EVENTS_LISTED = ResponseSpec(list[PlaybackEventOut], description="Events, newest first")


@get("/video-playback-events", sync_to_thread=True, responses={**ERRORS, 200: EVENTS_LISTED})
def playback_events(
    caller: CallerDep,
    reads: ReadsDep,
    video: QueryId = None,
    enrollment: QueryId = None,
    violated: FromQuery[bool | None] = None,
    range_key: Range = None,
    event_type: Annotated[str | None, QueryParameter(max_length=500)] = None,
    search: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int | None, QueryParameter(ge=1, le=PAGE_MAX)] = None,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
) -> Response[list[PlaybackEventOut]] | Stream:
    """Newest first (ties in a fixed order, so pages are stable). Every match, as the seed's list
    gave them (streamed: memory stays flat); ``limit``/``offset`` page it (the console does);
    ``X-Total-Count`` says how many match in all."""
    caller.require(*STAFF)
    types = [x for x in (event_type or "").split(",") if x]
    known = {t.value for t in ClientEventType}
    if any(x not in known for x in types):
        raise Invalid("event_type")
    rows, total = Analytics(reads.engine).events(
        caller.tenant,
        video_id=video,
        enrollment_id=enrollment,
        violated=violated,
        since=_since(range_key or "24h"),
        event_types=types,
        search=search,
        limit=limit,
        offset=offset,
    )
    headers = {"X-Total-Count": str(total)}
    if limit is None:
        return Stream(_aborting(_json_array(rows)), media_type="application/json", headers=headers)
    return Response([_event(r) for r in rows], headers=headers)


@get("/video-playback-events/risk", sync_to_thread=True, responses=ERRORS)
def risk(
    caller: CallerDep,
    reads: ReadsDep,
    video: QueryId = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 5,
    range_key: Range = None,
) -> list[RiskRow]:
    """Students by Σ score, then danger, then warn events."""
    caller.require(*STAFF)
    video_id = _required_video(caller, reads, video)
    rows = Analytics(reads.engine).risk(
        caller.tenant, video_id, since=_since(range_key or "24h"), limit=limit
    )
    return [
        RiskRow(
            enrollment_id=r["enrollment_id"],
            student_name=r["student_name"],
            score=int(r["score"]),
            danger=int(r["danger"]),
            warn=int(r["warn"]),
            info=int(r["info"]),
            last_occurred_at=utc(r["last_occurred_at"]) if r["last_occurred_at"] else None,
        )
        for r in rows
    ]


CSV_HEADER = [
    "occurred_at",
    "student_name",
    "enrollment_id",
    "event_type",
    "violated",
    "violation_reason",
    "session_id",
    "user_id",
    "score",
    "payload",
]


@get("/video-playback-events/export", sync_to_thread=True, responses=ERRORS)
def export(
    caller: CallerDep, reads: ReadsDep, video: QueryId = None, range_key: Range = None
) -> Stream:
    """``text/csv``, streamed, read in keyset pages: a million rows never sit in memory."""
    caller.require(*STAFF)
    video_id = _required_video(caller, reads, video)
    key = range_key or "24h"
    rows = Analytics(reads.engine).export(caller.tenant, video_id, since=_since(key))
    return Stream(
        _aborting(_csv(rows)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="video_{video_id}_events_{key}.csv"'
        },
    )


# Helpers --------------------------------------------------------------------------------------


def _stats(caller: Caller, app: Container, reads: ReadModels, video_id: int) -> StatsOut:
    caller.require(*STAFF)
    out = video_or_404(reads, app.settings, caller.tenant, video_id)
    video = _video_row(caller, reads, video_id)
    students = [
        StatsStudent(
            enrollment=r["enrollment"],
            student_name=r["student_name"],
            attendance_status=r["attendance_status"],
            progress=float(r["progress"]),
            completed=bool(r["completed"]),
            rule=r["rule"],
            effective_rule=r["effective_rule"],
            parent_phone=r["parent_phone"] or None,
            student_phone=r["student_phone"] or None,
            school=r["school"] or None,
            grade=r["grade"] or None,
        )
        for r in Analytics(reads.engine).students(caller.tenant, video)
    ]
    return StatsOut(out, students, len(students))


def _video_row(caller: Caller, reads: ReadModels, video_id: int) -> Row:
    caller.require(*STAFF)
    row = reads.video(caller.tenant, video_id)
    if row is None:
        raise NotFound()
    return row


def _required_video(caller: Caller, reads: ReadModels, video: int | None) -> int:
    if video is None:
        raise Invalid("video is required")
    return int(_video_row(caller, reads, video)["video_id"])


def _since(key: str) -> datetime | None:
    if key not in RANGES:
        raise Invalid("range")
    span = RANGES[key]
    return None if span is None else datetime.now(UTC) - span


def _achievement_status(progress: float) -> str:
    if progress >= COMPLETED_AT:
        return "completed"
    return "warning" if progress >= WARNING_AT else "danger"


def _event(r: Row) -> PlaybackEventOut:
    return PlaybackEventOut(
        id=_event_id(r),
        video=r["video_id"],
        enrollment_id=r["enrollment_id"],
        student_name=r["student_name"],
        session_id=r["session_id"],
        user_id=r["user_id"],
        event_type=r["event_type"],
        violated=bool(r["violated"]),
        violation_reason=r["violation_reason"],
        event_payload=r["payload"] or {},
        occurred_at=utc(r["occurred_at"]),
        received_at=utc(r["received_at"]),
        severity=r["severity"],
        score=int(r["score"]),
    )


def _event_id(r: Row) -> int:
    """A stable integer id for a stored player event (the API's ids are integers): 62 bits of a
    hash of its key (session, batch, position), the same after any rebuild."""
    key = f"{r['session_aggregate_id']}:{r['batch_version']}:{r['item']}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 2


def _aborting(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed body whose failure part-way aborts the response. Litestar reads a sync
    iterator in a thread and takes a ValueError from it for the end of the iteration: a
    database or encoding error would otherwise end a 200 quietly with a body cut short."""
    try:
        yield from chunks
    except ValueError as error:
        raise RuntimeError("streamed response failed part-way") from error


def _json_array(rows: Iterator[Row]) -> Iterator[bytes]:
    """A JSON array of events, a few hundred per chunk."""
    encode = msgspec.json.Encoder().encode
    chunk = [b"["]
    for n, r in enumerate(rows):
        chunk.append(b"," + encode(_event(r)) if n else encode(_event(r)))
        if len(chunk) >= 500:
            yield b"".join(chunk)
            chunk = []
    chunk.append(b"]")
    yield b"".join(chunk)


def _csv(rows: Iterator[Row]) -> Iterator[bytes]:
    """CSV lines, a few hundred rows per chunk; every cell through ``csv_cells`` (no formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for n, r in enumerate(rows, 1):
        writer.writerow(
            csv_cells.row(
                [
                    utc(r["occurred_at"]).isoformat(),
                    r["student_name"],
                    r["enrollment_id"],
                    r["event_type"],
                    "Y" if r["violated"] else "N",
                    r["violation_reason"],
                    r["session_id"],
                    r["user_id"],
                    r["score"],
                    json.dumps(r["payload"] or {}, separators=(",", ":"), sort_keys=True),
                ]
            )
        )
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


router = Router(
    "/",
    route_handlers=[
        stats,
        nested_stats,
        summary,
        achievement,
        policy_impact,
        playback_events,
        risk,
        export,
    ],
    tags=["analytics"],
)
