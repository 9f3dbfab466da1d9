"""The transcript index: one row per cue of each PUBLISHED caption track, projected from the
Videos log with the cue text read from the track's stored file.

Why the projector reads the file: the text is not in the events (a track's file is up to
2 MiB), and an index written by the caption use case beside its event could miss a write (a
crash between the two) or outlive an unpublish. Here the rows are a function of the track's
state after each event and of the file that state names, written in the projector's
transaction with its position: exactly once, gone in the same transaction as the track is
unpublished, removed or its video deleted, and rebuilt by ``projections rebuild`` like any read
model. Replaying an old event may name a file a later event replaced (and removed): it is
indexed as nothing, and the later event, which names the current file, indexes it.

The search side: ``transcripts.py``; the full-text indexes (FTS5 on SQLite, pg_trgm on
PostgreSQL) are made by migration 0009.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text, Uuid

from academy_video.app.applications import event_name
from academy_video.domain.caption_cues import Cue
from academy_video.domain.transcript_search import cue_words
from academy_video.domain.video import Video

from .batch import Batch
from .schema import SHORT, metadata, tenant_column

log = logging.getLogger(__name__)

transcript_cues = Table(
    "transcript_cues",
    metadata,
    Column("track_id", Uuid, primary_key=True),  # ``track_id(video, language)``
    Column("cue_index", Integer, primary_key=True, autoincrement=False),
    Column("aggregate_id", Uuid, nullable=False, index=True),  # the video's
    tenant_column(),
    Column("video_id", BigInteger, nullable=False),  # title, session, status: from ``videos``
    Column("language", String(SHORT + 3), nullable=False),  # a BCP 47 tag, ≤ 35 characters
    Column("start_ms", BigInteger, nullable=False),
    Column("text", Text, nullable=False),  # ``cue_words``: no markup
    Column("bigrams", Text, nullable=False),  # ``bigram_tokens(text)``: two-character queries
)

# A bigram as a token every full-text parser keeps whole: its two code points, casefolded,
# each as six letters (base 16 in a..p), so no tokenizer splits it at punctuation or reads it
# as a number.
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def bigram_token(pair: str) -> str:
    return "".join(f"{ord(ch):06x}" for ch in pair).translate(_LETTERS)


def bigram_tokens(text: str) -> str:
    """Each word's overlapping two-character pieces, casefolded, as tokens, each once: a query
    of two characters (no space after ``search_query``) is in a cue's text exactly when its
    token is here (a Korean word of two syllables has no trigram)."""
    pieces = dict.fromkeys(
        bigram_token(word[i : i + 2])
        for word in text.casefold().split()
        for i in range(len(word) - 1)
    )
    return " ".join(pieces)


# A stored caption file's cues; None when the file is not there (KeyError from the storage).
CueSource = Callable[[str], Sequence[Cue] | None]

# The events after which a track's indexed text may differ: its file or its status changed.
REINDEXING = frozenset(
    {
        "CaptionAdded",
        "CaptionReplaced",
        "CaptionCuesEdited",
        "CaptionPublished",
        "CaptionUnpublished",
        "CaptionRemoved",
        "CaptionTranscribed",
        "CaptionFailed",
        "CaptionRequested",
    }
)


def track_id(aggregate_id: uuid.UUID, language: str) -> uuid.UUID:
    return uuid.uuid5(aggregate_id, language)


class TranscriptProjection:
    """Called by the projector for each Videos event (``Projector.transcripts``)."""

    def __init__(self, cues_of: CueSource) -> None:
        self.cues_of = cues_of

    def project(self, batch: Batch, video: Any, event: Any) -> None:
        if not isinstance(video, Video):
            return
        if video.deleted:
            batch.replace(transcript_cues, "aggregate_id", video.id, [])
            return
        if event_name(event) not in REINDEXING:
            return
        language = event.language
        track = video.captions.find(language)
        rows: list[dict[str, Any]] = []
        if track is not None and track.status == "published" and track.file_key:
            rows = self._rows(video, language, track.file_key)
        batch.replace(transcript_cues, "track_id", track_id(video.id, language), rows)

    def _rows(self, video: Video, language: str, key: str) -> list[dict[str, Any]]:
        cues = self.cues_of(key)
        if cues is None:  # replaced since (a replay), or lost: see the module's docstring
            log.info("transcripts: %s is not stored; its track indexed as empty", key)
            return []
        common = {
            "track_id": track_id(video.id, language),
            "aggregate_id": video.id,
            "tenant": video.tenant,
            "video_id": video.video_id,
            "language": language,
        }
        return [
            {**common, "cue_index": index, "start_ms": cue.start_ms, **texts(cue.text)}
            for index, cue in enumerate(cues)
        ]


def texts(cue_text: str) -> dict[str, str]:
    words = cue_words(cue_text)
    return {"text": words, "bigrams": bigram_tokens(words)}
