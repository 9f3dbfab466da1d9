"""Watch progress: computed by the server from heartbeats; staff see the tenant's and correct it,
a student sees only their own."""

from __future__ import annotations

from litestar import HttpMethod, Router, get, route
from litestar.params import JSONBody
from msgspec import UNSET

from academy_video.app.errors import Invalid, NotFound

from ..auth import STAFF, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, QueryId, ReadsDep
from ..schemas import ProgressOut, ProgressPatch
from ..views import progress_out


@get("/video-progress", sync_to_thread=True, responses=ERRORS)
def list_progress(
    caller: CallerDep, reads: ReadsDep, video: QueryId = None, enrollment: QueryId = None
) -> list[ProgressOut]:
    own = None if caller.is_staff else caller.user_id
    rows = reads.progress_list(caller.tenant, video_id=video, enrollment_id=enrollment, user_id=own)
    return [progress_out(row) for row in rows]


@get("/video-progress/{progress_id:int}", sync_to_thread=True, responses=ERRORS)
def progress_detail(caller: CallerDep, reads: ReadsDep, progress_id: PathId) -> ProgressOut:
    own = None if caller.is_staff else caller.user_id
    row = reads.progress(caller.tenant, progress_id, user_id=own)
    if row is None:
        raise NotFound()
    return progress_out(row)


@route(
    "/video-progress/{progress_id:int}",
    http_method=[HttpMethod.PATCH, HttpMethod.PUT],
    sync_to_thread=True,
    responses=ERRORS,
    guards=[requires(*STAFF)],
)
def correct_progress(
    caller: CallerDep,
    app: AppDep,
    reads: ReadsDep,
    progress_id: PathId,
    data: JSONBody[ProgressPatch],
) -> ProgressOut:
    """A manual correction; completing this way promotes a ``once`` rule to ``free``. Only the
    fields given change, on a PUT too; what else the old clients send back is ignored."""
    row = reads.progress(caller.tenant, progress_id)
    if row is None:
        raise NotFound()
    if data.video not in (UNSET, row["video_id"]) or data.enrollment not in (
        UNSET,
        row["enrollment_id"],
    ):
        raise Invalid("immutable_fields", "video and enrollment cannot change")
    app.progress.correct(
        tenant=caller.tenant,
        video_id=row["video_id"],
        enrollment_id=row["enrollment_id"],
        progress=None if data.progress is UNSET else data.progress,
        completed=None if data.completed is UNSET else data.completed,
        last_position=None if data.last_position is UNSET else data.last_position,
    )
    updated = reads.progress(caller.tenant, progress_id)
    assert updated is not None
    return progress_out(updated)


router = Router(
    "/", route_handlers=[list_progress, progress_detail, correct_progress], tags=["progress"]
)
