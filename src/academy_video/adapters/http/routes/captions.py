"""Caption tracks of a video (admin/staff of its tenant): upload or replace a WebVTT or SubRip
file, list, change (label, kind, default, published, cue texts), remove, and read the
normalised file. The use cases are ``app/captions.py``; docs/captions.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Response, Router, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, PathParameter
from msgspec import UNSET

from academy_video.app.captions import CaptionChange, CueEdit
from academy_video.domain.caption_language import MAX_LANGUAGE_CHARS
from academy_video.domain.caption_rules import MAX_CAPTION_FILE_BYTES
from academy_video.domain.caption_tracks import CaptionTrack

from ..auth import STAFF, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId
from ..schemas import CaptionOut, CaptionPatch

VTT = ".vtt"
# The file, the form's other fields and multipart's framing; past it Litestar answers 413.
MAX_FORM_BYTES = MAX_CAPTION_FILE_BYTES + 64 * 1024
Language = Annotated[str, PathParameter(min_length=2, max_length=MAX_LANGUAGE_CHARS + len(VTT))]


@dataclass
class CaptionForm:
    """``multipart/form-data``: the file, its language (BCP 47), a label (default: the
    language), the kind, and ``replace`` to give an existing language a new file."""

    file: UploadFile
    language: str
    label: str = ""
    kind: str = "subtitles"
    replace: bool = False


@post(
    "/videos/{video_id:int}/captions",
    sync_to_thread=True,
    status_code=201,
    request_max_body_size=MAX_FORM_BYTES,
    responses=ERRORS,
)
def upload_caption(
    caller: CallerDep,
    app: AppDep,
    video_id: PathId,
    data: Annotated[CaptionForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> CaptionOut:
    """201: the track (a draft), its file parsed and normalised to WebVTT. A file the parser
    or the cue rules refuse is a 400 naming its line (``invalid_caption: line 12: …``)."""
    # One byte past the cap is enough for the use case to refuse it as too large.
    body = data.file.file.read(MAX_CAPTION_FILE_BYTES + 1)
    track = app.captions.upload(
        tenant=caller.tenant,
        video_id=video_id,
        data=body,
        language=data.language[: MAX_LANGUAGE_CHARS + 1],
        label=data.label or data.language[:MAX_LANGUAGE_CHARS],
        kind=data.kind,
        replace=data.replace,
    )
    return caption_out(video_id, track)


@get("/videos/{video_id:int}/captions", sync_to_thread=True, responses=ERRORS)
def list_captions(caller: CallerDep, app: AppDep, video_id: PathId) -> list[CaptionOut]:
    """Every track of the video, drafts and failures too, by language."""
    tracks = app.captions.tracks(tenant=caller.tenant, video_id=video_id)
    done = app.caption_jobs.progress(video_id) if tracks else {}
    return [caption_out(video_id, track, done.get(track.language, 0)) for track in tracks]


@get(
    "/videos/{video_id:int}/captions/{language:str}",
    sync_to_thread=True,
    responses=ERRORS,
    response_description="The track (JSON), or with `.vtt` its normalised file (text/vtt)",
)
def caption_detail(
    caller: CallerDep, app: AppDep, video_id: PathId, language: Language
) -> Response[bytes] | CaptionOut:
    """``…/captions/ko``: the track; ``…/captions/ko.vtt``: its normalised WebVTT file."""
    if language.endswith(VTT):
        body = app.captions.file(
            tenant=caller.tenant, video_id=video_id, language=language[: -len(VTT)]
        )
        return Response(body, media_type="text/vtt; charset=utf-8")
    track = app.captions.track(tenant=caller.tenant, video_id=video_id, language=language)
    return caption_out(video_id, track, app.caption_jobs.progress(video_id).get(track.language, 0))


@patch("/videos/{video_id:int}/captions/{language:str}", sync_to_thread=True, responses=ERRORS)
def change_caption(
    caller: CallerDep,
    app: AppDep,
    video_id: PathId,
    language: Language,
    data: JSONBody[CaptionPatch],
) -> CaptionOut:
    """Label, kind, the default flag (one per video), published or not, and cue texts by
    index (``cues: [{index, text}]``, a new version of the file)."""
    change = CaptionChange(
        label=None if data.label is UNSET else data.label,
        kind=None if data.kind is UNSET else data.kind,
        default=None if data.default is UNSET else data.default,
        published=None if data.published is UNSET else data.published,
        edits=() if data.cues is UNSET else tuple(CueEdit(c.index, c.text) for c in data.cues),
    )
    track = app.captions.change(
        tenant=caller.tenant, video_id=video_id, language=language, change=change
    )
    return caption_out(video_id, track)


@delete("/videos/{video_id:int}/captions/{language:str}", sync_to_thread=True, responses=ERRORS)
def remove_caption(caller: CallerDep, app: AppDep, video_id: PathId, language: Language) -> None:
    """204; its files are removed too."""
    app.captions.remove(tenant=caller.tenant, video_id=video_id, language=language)


def caption_out(video_id: int, track: CaptionTrack, progress: int = 0) -> CaptionOut:
    url = f"/api/v1/videos/{video_id}/captions/{track.language}{VTT}" if track.file_key else ""
    return CaptionOut(
        language=track.language,
        label=track.label,
        kind=str(track.kind),
        source=str(track.source),
        status=str(track.status),
        reason=track.reason,
        default=track.default,
        version=track.version,
        cue_count=track.cue_count,
        url=url,
        progress=progress if track.status == "processing" else 0,
    )


router = Router(
    "/",
    route_handlers=[upload_caption, list_captions, caption_detail, change_caption, remove_caption],
    guards=[requires(*STAFF)],
    tags=["captions"],
)
