"""The transcript index wired: what the projector reads a caption file's cues with, and the
search use case over the SQL index."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from academy_video.adapters.captions.parsing import WebVttCaptionParser
from academy_video.adapters.sql.transcript_tables import CueSource
from academy_video.adapters.sql.transcripts import SqlTranscriptIndex
from academy_video.app.playback.access import PlaybackAccess
from academy_video.app.ports import CaptionParser, Clock, ObjectStorage, RateLimiter
from academy_video.app.transcript_search import TranscriptSearch
from academy_video.domain.caption_cues import Cue


def stored_cues(storage: ObjectStorage, parser: CaptionParser | None = None) -> CueSource:
    """A stored caption file's cues (the normalised WebVTT the caption use cases wrote), None
    when it is not stored (KeyError); other storage failures are raised (the projector's
    batch is then retried)."""
    reader = parser or WebVttCaptionParser()

    def cues_of(key: str) -> Sequence[Cue] | None:
        try:
            stream = storage.open(key)
        except KeyError:
            return None
        with stream:
            return reader.parse(stream.read()).cues

    return cues_of


def transcript_search(
    reader: Engine, access: PlaybackAccess, limiter: RateLimiter, clock: Clock
) -> TranscriptSearch:
    return TranscriptSearch(
        index=SqlTranscriptIndex(reader), access=access, limiter=limiter, clock=clock
    )
