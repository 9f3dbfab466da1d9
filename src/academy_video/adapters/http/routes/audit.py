"""What auditors read (admin only, the caller's tenant): an aggregate's stored events, and a
video as it was at a version or a time. The tamper check and the replay are CLI commands."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Router, get
from litestar.params import PathParameter, QueryParameter
from msgspec import Struct

from academy_video.app.audit import AggregateState, AuditEvent, parse_time
from academy_video.app.errors import Invalid

from ..auth import requires
from ..deps import ERRORS, AppDep, CallerDep, PathId
from ..schemas import MAX_ID

SessionId = Annotated[str, PathParameter(min_length=1, max_length=64)]
Version = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
At = Annotated[str | None, QueryParameter(max_length=64)]


class AuditEventOut(Struct):
    version: int
    type: str  # the event class, e.g. ``UploadConfirmed``
    timestamp: str  # ISO-8601 UTC
    data: dict[str, Any]


class VideoStateOut(Struct):
    id: int
    version: int
    created_at: str
    updated_at: str
    state: dict[str, Any]  # the Video's attributes after that version


@get("/audit/videos/{video_id:int}/events", sync_to_thread=True, responses=ERRORS)
def video_events(caller: CallerDep, app: AppDep, video_id: PathId) -> list[AuditEventOut]:
    """A video's stored events, oldest first."""
    return _events(app.audit.video_events(caller.tenant, video_id))


@get("/audit/playback-sessions/{session_id:str}/events", sync_to_thread=True, responses=ERRORS)
def session_events(caller: CallerDep, app: AppDep, session_id: SessionId) -> list[AuditEventOut]:
    """A playback session's stored events (start, player event batches, end/revoke)."""
    return _events(app.audit.session_events(caller.tenant, session_id))


@get(
    "/audit/permissions/{video_id:int}/{enrollment_id:int}/events",
    sync_to_thread=True,
    responses=ERRORS,
)
def permission_events(
    caller: CallerDep, app: AppDep, video_id: PathId, enrollment_id: PathId
) -> list[AuditEventOut]:
    """A student's permission for a video: its stored events."""
    return _events(app.audit.permission_events(caller.tenant, video_id, enrollment_id))


@get("/audit/webhooks/{webhook_id:uuid}/events", sync_to_thread=True, responses=ERRORS)
def webhook_events(
    caller: CallerDep, app: AppDep, webhook_id: Annotated[UUID, PathParameter()]
) -> list[AuditEventOut]:
    """A webhook subscription's stored events (created, changed, rotated, disabled, ...)."""
    return _events(app.audit.webhook_events(caller.tenant, webhook_id))


@get("/audit/videos/{video_id:int}/state", sync_to_thread=True, responses=ERRORS)
def video_state(
    caller: CallerDep, app: AppDep, video_id: PathId, version: Version = None, at: At = None
) -> VideoStateOut:
    """``?version=N`` or ``?at=<ISO time>`` (neither: now); 404 if it did not exist yet."""
    if version is not None and at is not None:
        raise Invalid("version: give either version or at, not both")
    when = None
    if at is not None:
        try:
            when = parse_time(at)
        except ValueError:
            raise Invalid("at: not an ISO-8601 time") from None
    state: AggregateState = app.audit.video_state(caller.tenant, video_id, version=version, at=when)
    return VideoStateOut(
        id=video_id,
        version=state.version,
        created_at=state.created_at,
        updated_at=state.updated_at,
        state=state.state,
    )


def _events(events: list[AuditEvent]) -> list[AuditEventOut]:
    return [AuditEventOut(e.version, e.type, e.timestamp, e.data) for e in events]


router = Router(
    "/",
    route_handlers=[video_events, session_events, permission_events, webhook_events, video_state],
    tags=["audit"],
    guards=[requires("admin")],
)
