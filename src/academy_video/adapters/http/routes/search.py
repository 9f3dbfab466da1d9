"""Transcript search (every role of the tenant; a student sees only what they may play now).
The use case is ``app/transcript_search.py``; docs/captions.md, "Transcript search"."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from academy_video.app.transcript_search import TranscriptSearch

from ..deps import ERRORS, CallerDep, QueryId
from ..schemas.search import TranscriptResultOut

# The use case checks the query's real bounds (domain/transcript_search.py) and answers with
# the contract's ``detail``; this only keeps a huge query string from being read at all.
Query = Annotated[str, QueryParameter(max_length=4096)]
Limit = Annotated[int | None, QueryParameter(ge=-(2**31), le=2**31)]


def provide_transcripts(state: State) -> TranscriptSearch:
    transcripts: TranscriptSearch | None = state.container.transcripts
    if transcripts is None:
        raise RuntimeError("transcript search needs the SQL read models")
    return transcripts


TranscriptsDep = NamedDependency[TranscriptSearch]


@get("/search/transcripts", sync_to_thread=True, responses=ERRORS)
def search_transcripts(
    caller: CallerDep,
    transcripts: TranscriptsDep,
    q: Query = "",
    lecture: QueryId = None,
    limit: Limit = None,
) -> list[TranscriptResultOut]:
    """Cues of the tenant's published caption tracks holding ``q`` (2–100 characters,
    case-insensitive), at most ``limit`` (1–50, default 20); ``lecture`` keeps one lecture's
    videos. Staff and admins search every video of the tenant; a student only the READY
    videos they may play now (the answer playback's start would give)."""
    results = transcripts.search(
        tenant=caller.tenant,
        user_id=caller.user_id,
        staff=caller.is_staff,
        query=q,
        lecture_id=lecture,
        limit=limit,
    )
    return [
        TranscriptResultOut(
            video_id=r.video_id,
            session_id=r.session_id,
            title=r.title,
            language=r.language,
            start_ms=r.start_ms,
            snippet=r.snippet,
        )
        for r in results
    ]


router = Router(
    "/",
    route_handlers=[search_transcripts],
    dependencies={"transcripts": Provide(provide_transcripts, sync_to_thread=False)},
    tags=["search"],
)
