"""The transcript index's search (``TranscriptIndex``), over ``transcript_cues``.

SQLite: the FTS5 table of migration 0010 (trigram tokenizer): a query of three characters or
more is a phrase MATCH (a substring, case-insensitive); a shorter one cannot be made of
trigrams and is a LIKE over the tenant's rows. PostgreSQL: ``ILIKE '%q%'``, which pg_trgm's
GIN index serves from three characters on (Hangul counts as letters in a UTF-8 ctype such as
``C.UTF-8`` or ``ko_KR.UTF-8``; in the plain ``C`` locale it would not be indexed).
Measured against a plain LIKE scan in docs/benchmarks.md ("Transcript search").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Integer, and_, literal_column, select, text

from academy_video.app.ports import TranscriptHit

from . import tables as t
from .transcript_tables import transcript_cues as c

FTS = "transcript_cues_fts"  # migration 0010
TRIGRAM = 3


def like_pattern(query: str) -> str:
    """``%query%`` with LIKE's own characters taken literally (escape ``\\``)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlTranscriptIndex:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def search(
        self,
        tenant: str,
        query: str,
        *,
        lecture_id: int | None,
        ready_only: bool,
        limit: int,
        offset: int = 0,
    ) -> list[TranscriptHit]:
        v = t.videos
        statement = (
            select(v.c.video_id, v.c.session_id, v.c.title, c.c.language, c.c.start_ms, c.c.text)
            .select_from(c.join(v, and_(v.c.aggregate_id == c.c.aggregate_id)))
            .where(c.c.tenant == tenant, v.c.tenant == tenant, self._matches(query))
            .order_by(c.c.video_id, c.c.language, c.c.cue_index)
            .limit(limit)
            .offset(offset)
        )
        if ready_only:
            statement = statement.where(v.c.status == "READY")
        if lecture_id is not None:
            sessions = select(t.lecture_sessions.c.session_id).where(
                t.lecture_sessions.c.lecture_id == lecture_id,
                t.lecture_sessions.c.tenant == tenant,
            )
            statement = statement.where(v.c.session_id.in_(sessions))
        with self.engine.connect() as conn:
            return [TranscriptHit(*row) for row in conn.execute(statement)]

    def _matches(self, query: str) -> Any:
        if self.engine.dialect.name != "sqlite":
            return c.c.text.ilike(like_pattern(query), escape="\\")
        if len(query) < TRIGRAM:
            return c.c.text.like(like_pattern(query), escape="\\")  # ASCII case-insensitive
        phrase = '"' + query.replace('"', '""') + '"'
        rowids = (
            text(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH :phrase")
            .bindparams(phrase=phrase)
            .columns(literal_column("rowid", Integer))
        )
        return literal_column("transcript_cues.rowid").in_(rowids)
