"""The transcript index's search (``TranscriptIndex``), over ``transcript_cues``.

SQLite: the FTS5 table of migration 0010 (trigram tokenizer) drives the query: a ``q`` of
three characters or more is a phrase MATCH (a substring, case-insensitive), read in the FTS
table's rowid order so that a LIMIT stops it early. PostgreSQL: ``ILIKE '%q%'``, which
pg_trgm's GIN index serves from three characters on (Hangul counts as letters in a UTF-8 ctype
such as ``C.UTF-8`` or ``ko_KR.UTF-8``; in the plain ``C`` locale it would not be indexed).
Two characters (a Korean word of two syllables) make no trigram: they are looked up as one
bigram token (``transcript_tables.py: bigram_tokens``), in a second FTS5 table on SQLite and a
'simple' tsvector's GIN index on PostgreSQL.

No ORDER BY in the database: the first ``limit`` matches the index finds are sorted here
(sorting every match of a common word would cost what the index saves). Measured against a
plain LIKE scan in docs/benchmarks.md ("Transcript search").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnClause, Engine, Select, literal_column, select, table, text

from academy_video.app.ports import TranscriptHit

from . import tables as t
from .transcript_tables import bigram_token
from .transcript_tables import transcript_cues as c

FTS = "transcript_cues_fts"  # migration 0010
BIGRAMS_FTS = "transcript_bigrams_fts"
TRIGRAM = 3
# Written as the GIN index of migration 0010 is, so that PostgreSQL uses it.
BIGRAM_MATCH = "to_tsvector('simple', transcript_cues.bigrams) @@ to_tsquery('simple', :token)"
_fts, _bigrams_fts = table(FTS), table(BIGRAMS_FTS)


def like_pattern(query: str) -> str:
    """``%query%`` with LIKE's own characters taken literally (escape ``\\``)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(query: str) -> str:
    """FTS5's quoted string: the whole query as one phrase, its quotes doubled."""
    return '"' + query.replace('"', '""') + '"'


def cue_query(tenant: str, *, lecture_id: int | None, ready_only: bool) -> Select[Any]:
    """The hits' columns, the tenant's rows, the filters; without the text's condition."""
    v = t.videos
    statement = (
        select(v.c.video_id, v.c.session_id, v.c.title, c.c.language, c.c.start_ms, c.c.text)
        .select_from(c.join(v, v.c.aggregate_id == c.c.aggregate_id))
        .where(c.c.tenant == tenant, v.c.tenant == tenant)
    )
    if ready_only:
        statement = statement.where(v.c.status == "READY")
    if lecture_id is not None:
        sessions = select(t.lecture_sessions.c.session_id).where(
            t.lecture_sessions.c.lecture_id == lecture_id,
            t.lecture_sessions.c.tenant == tenant,
        )
        statement = statement.where(v.c.session_id.in_(sessions))
    return statement


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
    ) -> list[TranscriptHit]:
        statement = cue_query(tenant, lecture_id=lecture_id, ready_only=ready_only)
        statement = self._matching(statement, query).limit(limit)
        with self.engine.connect() as conn:
            hits = [TranscriptHit(*row) for row in conn.execute(statement)]
        return sorted(hits, key=lambda h: (h.video_id, h.language, h.start_ms))

    def _matching(self, statement: Select[Any], query: str) -> Select[Any]:
        short = len(query) < TRIGRAM  # two characters (``search_query``), no space
        if self.engine.dialect.name != "sqlite":
            if short:
                token = bigram_token(query.casefold())
                return statement.where(text(BIGRAM_MATCH).bindparams(token=token))
            return statement.where(c.c.text.ilike(like_pattern(query), escape="\\"))
        fts, table_, match = (
            (BIGRAMS_FTS, _bigrams_fts, bigram_token(query.casefold()))
            if short
            else (FTS, _fts, fts_phrase(query))
        )
        rowid: ColumnClause[Any] = literal_column(f"{fts}.rowid")
        return (
            statement.join(table_, rowid == literal_column("transcript_cues.rowid"))
            .where(text(f"{fts} MATCH :match").bindparams(match=match))
            .order_by(rowid)  # the FTS table's own order: no sort, and the LIMIT stops it
        )
