"""Uploads (admin/staff): reserve a video and a signed upload URL, or resumable part URLs for a
large file; then ``upload/complete`` probes the stored source and queues it for transcoding."""

from __future__ import annotations

from litestar import Response, Router, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from academy_video.app.errors import Invalid
from academy_video.app.ports import UploadedPart
from academy_video.app.reads import Reads
from academy_video.bootstrap import Container
from academy_video.domain.policy import VideoDefaults

from ..auth import STAFF, Caller, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, ReadsDep
from ..schemas import (
    MultipartAbortIn,
    MultipartCompleteIn,
    MultipartCompleteOut,
    MultipartIn,
    MultipartOut,
    PartUrl,
    RetryOut,
    UploadInitIn,
    UploadInitOut,
    VideoOut,
)
from ..views import video_or_404

RETRY_QUEUED = "Video reprocessing queued (HTTP worker polling)"  # the old app's words


@post("/videos/upload/init", sync_to_thread=True, responses=ERRORS)
def upload_init(
    caller: CallerDep, app: AppDep, reads: ReadsDep, data: JSONBody[UploadInitIn]
) -> UploadInitOut:
    """201: a PENDING video (order = the session's highest + 1) and where to PUT the file."""
    if data.session is None or not data.title or not data.filename:
        raise Invalid("required", "session, title, filename required")
    ticket = app.uploads.init(
        tenant=caller.tenant,
        session_id=data.session,
        title=data.title,
        filename=data.filename,
        content_type=data.content_type or "video/mp4",
        defaults=VideoDefaults(data.allow_skip, data.max_speed, data.show_watermark),
    )
    return UploadInitOut(
        video=_video(caller, app, reads, ticket.video.video_id),
        upload_url=ticket.upload_url,
        file_key=ticket.file_key,
        content_type=ticket.content_type,
    )


@post(
    "/videos/{video_id:int}/upload/complete", sync_to_thread=True, status_code=200, responses=ERRORS
)
def upload_complete(caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId) -> VideoOut:
    """Probe the stored source: UPLOADED and queued, or 409 with why not."""
    app.uploads.complete(tenant=caller.tenant, video_id=video_id)
    return _video(caller, app, reads, video_id)


@post("/videos/{video_id:int}/retry", sync_to_thread=True, status_code=202, responses=ERRORS)
def retry(caller: CallerDep, app: AppDep, reads: ReadsDep, video_id: PathId) -> Response[RetryOut]:
    """202 from FAILED or UPLOADED: back in the queue with a fresh attempt count. The answer's
    ``detail`` is the old app's; ``video`` is the video as it now stands."""
    app.jobs.retry(tenant=caller.tenant, video_id=video_id)
    answer = RetryOut(RETRY_QUEUED, _video(caller, app, reads, video_id))
    return Response(answer, status_code=HTTP_202_ACCEPTED)


@post("/videos/{video_id:int}/upload/multipart", sync_to_thread=True, responses=ERRORS)
def multipart_start(
    caller: CallerDep, app: AppDep, video_id: PathId, data: JSONBody[MultipartIn]
) -> MultipartOut:
    """201: one signed URL per part; PUT each part's bytes and keep the ETag it answers."""
    ticket = app.uploads.start_multipart(
        tenant=caller.tenant, video_id=video_id, size=data.size, content_type=data.content_type
    )
    return MultipartOut(
        upload_id=ticket.upload_id,
        file_key=ticket.file_key,
        part_size=ticket.part_size,
        parts=[PartUrl(n, url) for n, url in enumerate(ticket.part_urls, start=1)],
    )


@post(
    "/videos/{video_id:int}/upload/multipart/complete",
    sync_to_thread=True,
    status_code=200,
    responses=ERRORS,
)
def multipart_complete(
    caller: CallerDep, app: AppDep, video_id: PathId, data: JSONBody[MultipartCompleteIn]
) -> MultipartCompleteOut:
    """Join the parts into the source file; then call ``upload/complete``."""
    stored = app.uploads.finish_multipart(
        tenant=caller.tenant,
        video_id=video_id,
        upload_id=data.upload_id,
        parts=[UploadedPart(p.part_number, p.etag) for p in data.parts],
    )
    return MultipartCompleteOut(file_key=stored.key, size=stored.size)


@post(
    "/videos/{video_id:int}/upload/multipart/abort",
    sync_to_thread=True,
    status_code=204,
    responses=ERRORS,
)
def multipart_abort(
    caller: CallerDep, app: AppDep, video_id: PathId, data: JSONBody[MultipartAbortIn]
) -> None:
    app.uploads.abort_multipart(tenant=caller.tenant, video_id=video_id, upload_id=data.upload_id)


def _video(caller: Caller, app: Container, reads: Reads, video_id: int) -> VideoOut:
    return video_or_404(reads, app.settings, caller.tenant, video_id)


router = Router(
    "/",
    route_handlers=[
        upload_init,
        upload_complete,
        retry,
        multipart_start,
        multipart_complete,
        multipart_abort,
    ],
    tags=["uploads"],
    guards=[requires(*STAFF)],
)
