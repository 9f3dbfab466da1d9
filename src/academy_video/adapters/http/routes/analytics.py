"""Instructor analytics (admin/staff, guarded on the router): per-video statistics, summary,
achievement and policy impact; the playback events list, the risk ranking and the CSV export.
The use cases are ``app/analytics.py``'s; here only HTTP ↔ use case."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from academy_video.app.analytics import AnalyticsService, EventFilter
from academy_video.app.config import Settings

from ..analytics_views import event_out, export_csv
from ..auth import STAFF, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, QueryId
from ..schemas import (
    AchievementOut,
    AchievementStudent,
    AchievementSummary,
    PlaybackEventOut,
    PolicyImpactRow,
    RiskRow,
    RiskTop,
    StatsOut,
    StatsStudent,
    SummaryOut,
)
from ..streaming import aborting, json_array
from ..views import check_nested, utc, video_out

PAGE_MAX = 5_000
MAX_OFFSET = 2**31 - 1  # deeper pages are refused (400), never passed to the database

Range = Annotated[str | None, QueryParameter(name="range", max_length=8)]


def provide_analytics(state: State) -> AnalyticsService:
    analytics: AnalyticsService | None = state.container.analytics
    if analytics is None:  # create_app refuses a container without them
        raise RuntimeError("analytics need the SQL read models")
    return analytics


AnalyticsDep = NamedDependency[AnalyticsService]


# Per video ------------------------------------------------------------------------------------


@get("/videos/{video_id:int}/stats", sync_to_thread=True, responses=ERRORS)
def stats(caller: CallerDep, app: AppDep, analytics: AnalyticsDep, video_id: PathId) -> StatsOut:
    """ACTIVE enrollments of the lecture: progress, rule (``free`` by default), effective rule."""
    return _stats(caller.tenant, app.settings, analytics, video_id)


@get(
    "/lectures/{lecture_id:int}/sessions/{session_id:int}/videos/{video_id:int}/stats",
    sync_to_thread=True,
    responses=ERRORS,
)
def nested_stats(
    caller: CallerDep,
    app: AppDep,
    analytics: AnalyticsDep,
    lecture_id: PathId,
    session_id: PathId,
    video_id: PathId,
) -> StatsOut:
    """The same, addressed through the video's lecture and session (both must match)."""
    out = _stats(caller.tenant, app.settings, analytics, video_id)
    check_nested(app.directory, out.video, lecture_id, session_id)
    return out


@get("/videos/{video_id:int}/summary", sync_to_thread=True, responses=ERRORS)
def summary(
    caller: CallerDep, analytics: AnalyticsDep, video_id: PathId, range_key: Range = None
) -> SummaryOut:
    """Completion over ACTIVE enrollments, the seed's watched-seconds estimate, the 5 riskiest."""
    s = analytics.summary(caller.tenant, video_id, range_key)
    return SummaryOut(
        video_id=s.video_id,
        range=s.range,
        total_students=s.total_students,
        completed_count=s.completed_count,
        completion_rate=s.completion_rate,
        watched_seconds_est=s.watched_seconds_est,
        risk_top=[
            RiskTop(r["enrollment_id"], r["student_name"], int(r["score"])) for r in s.risk_top
        ],
    )


@get("/videos/{video_id:int}/achievement", sync_to_thread=True, responses=ERRORS)
def achievement(caller: CallerDep, analytics: AnalyticsDep, video_id: PathId) -> AchievementOut:
    """Students attending the session ONLINE: progress %, ``completed``/``warning``/``danger``."""
    result = analytics.achievement(caller.tenant, video_id)
    totals = result.totals
    return AchievementOut(
        AchievementSummary(
            total_students=totals.total_students,
            avg_progress=totals.avg_progress,
            completed_rate=totals.completed_rate,
            incomplete_count=totals.incomplete_count,
        ),
        [
            AchievementStudent(
                enrollment=s.enrollment,
                student_name=s.student_name,
                progress=s.progress,
                completed=s.completed,
                watched_seconds=int(s.watched_seconds),  # the old last_position: whole s
                status=s.status.value,
            )
            for s in result.students
        ],
    )


@get("/videos/{video_id:int}/policy-impact", sync_to_thread=True, responses=ERRORS)
def policy_impact(
    caller: CallerDep, analytics: AnalyticsDep, video_id: PathId
) -> list[PolicyImpactRow]:
    """Who the video's rules hold back: each ACTIVE student's rule and effective rule."""
    video = analytics.video(caller.tenant, video_id)
    return [
        PolicyImpactRow(
            r["enrollment"], r["student_name"], r["rule"], r["effective_rule"], bool(r["completed"])
        )
        for r in analytics.students(caller.tenant, video)
    ]


# Playback events ------------------------------------------------------------------------------


# Streamed or paged, the answer is the same list: say so in the OpenAPI document.
EVENTS_LISTED = ResponseSpec(list[PlaybackEventOut], description="Events, newest first")


def provide_event_filter(
    video: QueryId = None,
    enrollment: QueryId = None,
    violated: FromQuery[bool | None] = None,
    range_key: Range = None,
    event_type: Annotated[str | None, QueryParameter(max_length=500)] = None,
    search: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> EventFilter:
    """The list's query filters (the seed's names), for the list and the retrieve."""
    return EventFilter(video, enrollment, violated, range_key, event_type, search)


EventFilterDep = NamedDependency[EventFilter]


@get("/video-playback-events", sync_to_thread=True, responses={**ERRORS, 200: EVENTS_LISTED})
def playback_events(
    caller: CallerDep,
    analytics: AnalyticsDep,
    filters: EventFilterDep,
    limit: Annotated[int | None, QueryParameter(ge=1, le=PAGE_MAX)] = None,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
) -> Response[list[PlaybackEventOut]] | Stream:
    """Newest first (ties in a fixed order, so pages are stable). Every match, as the seed's list
    gave them (streamed: memory stays flat); ``limit``/``offset`` page it (the console does);
    ``X-Total-Count`` says how many match in all."""
    rows, total = analytics.events(caller.tenant, filters, limit=limit, offset=offset)
    headers = {"X-Total-Count": str(total)}
    if limit is None:
        body = aborting(json_array(rows, event_out))
        return Stream(body, media_type="application/json", headers=headers)
    return Response([event_out(r) for r in rows], headers=headers)


@get("/video-playback-events/{event_id:int}", sync_to_thread=True, responses=ERRORS)
def playback_event(
    caller: CallerDep, analytics: AnalyticsDep, filters: EventFilterDep, event_id: PathId
) -> PlaybackEventOut:
    """One event of the list, as the seed's retrieve: found within the list the same filters
    give (its default range is the list's, 24 h: ``range=all`` finds an older one), else 404."""
    return event_out(analytics.event(caller.tenant, event_id, filters))


@get("/video-playback-events/risk", sync_to_thread=True, responses=ERRORS)
def risk(
    caller: CallerDep,
    analytics: AnalyticsDep,
    video: QueryId = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 5,
    range_key: Range = None,
) -> list[RiskRow]:
    """Students by Σ score, then danger, then warn events."""
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
        for r in analytics.risk(caller.tenant, video, range_key, limit)
    ]


@get("/video-playback-events/export", sync_to_thread=True, responses=ERRORS)
def export(
    caller: CallerDep, analytics: AnalyticsDep, video: QueryId = None, range_key: Range = None
) -> Stream:
    """``text/csv``, streamed, read in keyset pages: a million rows never sit in memory."""
    out = analytics.export(caller.tenant, video, range_key)
    return Stream(
        aborting(export_csv(out.rows)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="video_{out.video_id}_events_{out.range}.csv"'
            )
        },
    )


# Helpers --------------------------------------------------------------------------------------


def _stats(tenant: str, settings: Settings, analytics: AnalyticsService, video_id: int) -> StatsOut:
    video = analytics.video(tenant, video_id)
    students = [
        StatsStudent(
            enrollment=r["enrollment"],
            student_name=r["student_name"],
            attendance_status=r["attendance_status"],
            progress=float(r["progress"]),
            completed=bool(r["completed"]),
            rule=r["rule"],
            effective_rule=r["effective_rule"],
            parent_phone=r["parent_phone"] or "",  # the old app's empty phone: ""
            student_phone=r["student_phone"] or "",
            school=r["school"] or None,
            grade=r["grade"] or None,
        )
        for r in analytics.students(tenant, video)
    ]
    return StatsOut(video_out(video, settings), students, len(students))


router = Router(
    "/",
    route_handlers=[
        stats,
        nested_stats,
        summary,
        achievement,
        policy_impact,
        playback_events,
        playback_event,
        risk,
        export,
    ],
    tags=["analytics"],
    guards=[requires(*STAFF)],
    dependencies={
        "analytics": Provide(provide_analytics, sync_to_thread=False),
        "filters": Provide(provide_event_filter, sync_to_thread=False),
    },
)
