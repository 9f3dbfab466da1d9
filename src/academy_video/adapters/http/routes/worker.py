"""The worker API: transcoding workers claim, heartbeat, complete and fail jobs.

Workers authenticate with ``X-Worker-Token`` (compared in constant time with
``ACADEMY_VIDEO_WORKER_TOKEN``; none configured: 503) and name themselves with ``X-Worker-Id``.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.params import JSONBody

from academy_video.app.errors import Invalid, Unavailable

from ..auth import Unauthorized
from ..deps import ERRORS, AppDep, PathId
from ..schemas import ClaimOut, CompleteIn, FailIn, HeartbeatIn, JobOut, LegacyAck, WorkerAck


async def worker_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The router's guard: it runs before a body is read, so a caller without the token learns
    nothing about what a body should hold."""
    expected: str = connection.app.state.container.settings.worker_token
    if not expected:
        raise Unavailable("worker_token_not_configured")
    given = connection.headers.get("x-worker-token", "")
    if not given.isascii() or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized()


def worker_id(request: Request[Any, Any, Any]) -> str:
    """The calling worker's name (its token was checked by the guard)."""
    return (request.headers.get("x-worker-id") or "worker-unknown")[:255]


@get("/video-worker/next", sync_to_thread=True, responses=ERRORS)
def claim_next(request: Request[Any, Any, Any], app: AppDep) -> Response[ClaimOut | None]:
    """200 with a leased job (the oldest UPLOADED video, or one whose lease ran out), or 204."""
    job = app.jobs.claim_next(worker_id(request))
    if job is None:
        return Response(None, status_code=204)
    return Response(
        ClaimOut(
            JobOut(
                job.video_id,
                job.file_key,
                job.tenant_code,
                job.attempt,
                job.source_etag or None,
            )
        )
    )


@post(
    "/video-worker/{video_id:int}/heartbeat", sync_to_thread=True, status_code=200, responses=ERRORS
)
def heartbeat(
    request: Request[Any, Any, Any],
    app: AppDep,
    video_id: PathId,
    data: JSONBody[HeartbeatIn | None] = None,
) -> WorkerAck:
    """Extend the lease; ``progress`` (0–100) shows on the video as ``processing_progress``."""
    app.jobs.heartbeat(video_id, worker_id(request), None if data is None else data.progress)
    return WorkerAck(True, "ok")


@post(
    "/video-worker/{video_id:int}/complete", sync_to_thread=True, status_code=200, responses=ERRORS
)
def complete(
    request: Request[Any, Any, Any], app: AppDep, video_id: PathId, data: JSONBody[CompleteIn]
) -> WorkerAck:
    if not data.hls_path:
        raise Invalid("hls_path_required", "hls_path required")
    reason = app.jobs.complete(
        video_id,
        worker_id(request),
        hls_path=data.hls_path,
        duration=data.duration,
        thumbnail_key=data.thumbnail_key,
        renditions=[r.stored() for r in data.renditions],
    )
    return WorkerAck(True, reason)


@post("/video-worker/{video_id:int}/fail", sync_to_thread=True, status_code=200, responses=ERRORS)
def fail(
    request: Request[Any, Any, Any], app: AppDep, video_id: PathId, data: JSONBody[FailIn]
) -> WorkerAck:
    return WorkerAck(True, app.jobs.fail(video_id, worker_id(request), data.reason))


@post(
    "/videos/{video_id:int}/processing-complete",
    sync_to_thread=True,
    status_code=200,
    responses=ERRORS,
)
def legacy_processing_complete(
    app: AppDep, video_id: PathId, data: JSONBody[CompleteIn]
) -> LegacyAck:
    """The seed's legacy completion (no lease check), now behind the worker token; answered as
    the old app did, for its workers."""
    if not data.hls_path:
        raise Invalid("hls_path_required", "hls_path required")
    said = app.jobs.acknowledge_legacy(video_id, hls_path=data.hls_path, duration=data.duration)
    return LegacyAck(True, idempotent=True) if said == "idempotent" else LegacyAck(True)


router = Router(
    "/api/v1/internal",
    route_handlers=[claim_next, heartbeat, complete, fail, legacy_processing_complete],
    tags=["worker"],
    security=[{"WorkerToken": []}],
    guards=[worker_token],
)
