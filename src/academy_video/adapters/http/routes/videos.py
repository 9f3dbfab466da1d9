"""Videos: list and detail for any role of the tenant; edit and delete for admin/staff."""

from __future__ import annotations

from typing import Annotated

from litestar import HttpMethod, Router, delete, get, route
from litestar.params import FromQuery, JSONBody, QueryParameter
from msgspec import UNSET, structs

from academy_video.app.errors import Denied, Invalid, NotFound
from academy_video.app.reads import Reads
from academy_video.bootstrap import Container

from ..auth import STAFF, Caller, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, QueryId, ReadsDep
from ..schemas import Status, StudentVideoOut, VideoOut, VideoPatch
from ..views import check_nested, video_or_404, video_out


@get("/videos", sync_to_thread=True, responses=ERRORS)
def list_videos(
    caller: CallerDep,
    app: AppDep,
    reads: ReadsDep,
    session: QueryId = None,
    status: FromQuery[Status | None] = None,
    search: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> list[VideoOut]:
    """The tenant's videos, ordered by ``order`` then id; ``search`` matches the title."""
    rows = reads.videos(caller.tenant, session_id=session, status=status, search=search)
    return [video_out(row, app.settings) for row in rows]


@get("/videos/student", sync_to_thread=True, guards=[requires("student")], responses=ERRORS)
def student_videos(
    caller: CallerDep, app: AppDep, reads: ReadsDep, session: QueryId = None
) -> list[StudentVideoOut]:
    """The session's READY videos for the calling student, each with ``can_play`` and ``reason``
    (``app/playback/access.py``: the same answer as starting playback)."""
    if session is None:
        raise Invalid("session_required", "session is required")
    lecture_session = app.directory.session(session)
    if lecture_session is None or lecture_session.tenant != caller.tenant:
        raise NotFound()
    if not reads.has_student(caller.tenant, caller.user_id):
        raise Denied("student_profile_not_linked")
    rows = reads.videos(caller.tenant, session_id=session, status="READY")
    access = app.playback.access.student_videos(
        tenant=caller.tenant,
        user_id=caller.user_id,
        session_id=session,
        ready_videos=[row["video_id"] for row in rows],
    )
    return [
        StudentVideoOut(
            **structs.asdict(video_out(row, app.settings)),
            can_play=access.denials[row["video_id"]] is None,
            reason=access.denials[row["video_id"]],
            enrollment_id=access.enrollment_id,
        )
        for row in rows
    ]


@get("/videos/{video_id:int}", sync_to_thread=True, responses=ERRORS)
def video_detail(caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId) -> VideoOut:
    return _video(caller, app, reads, video_id)


@get(
    "/lectures/{lecture_id:int}/sessions/{session_id:int}/videos/{video_id:int}",
    sync_to_thread=True,
    responses=ERRORS,
)
def nested_video_detail(
    caller: CallerDep,
    app: AppDep,
    reads: ReadsDep,
    lecture_id: PathId,
    session_id: PathId,
    video_id: PathId,
) -> VideoOut:
    """The same video, addressed through its lecture and session (both must match)."""
    video = _video(caller, app, reads, video_id)
    check_nested(app.directory, video, lecture_id, session_id)
    return video


@route(
    "/videos/{video_id:int}",
    http_method=[HttpMethod.PATCH, HttpMethod.PUT],
    sync_to_thread=True,
    guards=[requires(*STAFF)],
    responses=ERRORS,
)
def edit_video(
    caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId, data: JSONBody[VideoPatch]
) -> VideoOut:
    """Title, order and the policy fields; a real policy change bumps ``policy_version``. Only
    the fields given change, on a PUT too (the old clients' update sends the video back whole:
    its read-only fields are ignored)."""
    app.catalog.change(
        tenant=caller.tenant,
        video_id=video_id,
        title=None if data.title is UNSET else data.title,
        order=None if data.order is UNSET else data.order,
        allow_skip=None if data.allow_skip is UNSET else data.allow_skip,
        max_speed=None if data.max_speed is UNSET else data.max_speed,
        show_watermark=None if data.show_watermark is UNSET else data.show_watermark,
    )
    return _video(caller, app, reads, video_id)


@delete("/videos/{video_id:int}", sync_to_thread=True, guards=[requires(*STAFF)], responses=ERRORS)
def delete_video(caller: CallerDep, app: AppDep, video_id: PathId) -> None:
    """204; the stored source and every output are removed too."""
    app.catalog.delete(tenant=caller.tenant, video_id=video_id)


def _video(caller: Caller, app: Container, reads: Reads, video_id: int) -> VideoOut:
    return video_or_404(reads, app.settings, caller.tenant, video_id)


router = Router(
    "/",
    route_handlers=[
        list_videos,
        student_videos,
        video_detail,
        nested_video_detail,
        edit_video,
        delete_video,
    ],
    tags=["videos"],
)
