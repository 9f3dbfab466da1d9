"""The transcript index (a read model of the published caption tracks' cues), as a port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TranscriptHit:
    """A cue of a published track whose text holds the query."""

    video_id: int
    session_id: int
    title: str
    language: str
    start_ms: int
    text: str  # the cue's words (``domain/transcript_search.py: cue_words``)


class TranscriptIndex(Protocol):
    def search(
        self,
        tenant: str,
        query: str,
        *,
        lecture_id: int | None,
        ready_only: bool,
        limit: int,
    ) -> list[TranscriptHit]:
        """At most ``limit`` cues of the tenant's published tracks holding ``query``
        (case-insensitive substring): the first the index finds (not the first by any order:
        sorting every match of a common word would cost what the index saves), in video,
        language and time order; ``lecture_id`` keeps the lecture's videos, ``ready_only``
        READY ones."""
        ...
