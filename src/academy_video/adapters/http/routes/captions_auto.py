"""Auto-captions on request (admin/staff of the video's tenant): ``POST
/api/v1/videos/{id}/captions/auto`` makes a PROCESSING auto track that a caption worker fills
(``app/caption_jobs.py``; docs/captions.md, "Auto-captions in the lifecycle")."""

from __future__ import annotations

from litestar import Router, post
from litestar.params import JSONBody

from ..auth import STAFF, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId
from ..schemas import AutoCaptionIn, CaptionOut
from .captions import caption_out


@post(
    "/videos/{video_id:int}/captions/auto", sync_to_thread=True, status_code=202, responses=ERRORS
)
def request_auto_caption(
    caller: CallerDep, app: AppDep, video_id: PathId, data: JSONBody[AutoCaptionIn]
) -> CaptionOut:
    """202: the track, ``processing`` (its ``progress`` grows on the track while a worker
    transcribes); it becomes a ``draft`` with the cues, or ``failed`` with the reason. 400 for
    a language no recogniser knows; 409 ``caption_exists`` for a language with a track (one
    whose auto track failed may be requested again), ``invalid_status`` before the upload is
    confirmed."""
    track = app.caption_jobs.request(
        tenant=caller.tenant,
        video_id=video_id,
        language=data.language,
        label=data.label or data.language,
        kind=data.kind,
    )
    return caption_out(video_id, track)


router = Router(
    "/",
    route_handlers=[request_auto_caption],
    guards=[requires(*STAFF)],
    tags=["captions"],
)
