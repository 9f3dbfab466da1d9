"""transcript_cues: the transcript index (a row per cue of each published caption track,
projected from the Videos log), with its full-text index: FTS5 with the trigram tokenizer on
SQLite, pg_trgm's GIN index on PostgreSQL; two-character queries by bigram tokens (FTS5, and a\n'simple' tsvector's GIN index)

Revision ID: 0010
Revises: 0008

A new table, empty: tracks published before the upgrade are indexed by ``academy-video
projections rebuild`` (the tracked positions do not move back on their own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Also in ``transcripts.py`` (which queries them) and ``migrate.py`` (not ``tables.py``'s).
FTS = "transcript_cues_fts"
BIGRAMS_FTS = "transcript_bigrams_fts"
TRIGRAMS = "trgm_transcript_cues_text"
BIGRAMS = "tsv_transcript_cues_bigrams"

# The FTS5 tables hold no copy of the text (``content=``): triggers keep them in step with
# the rows, which are keyed by SQLite's rowid. The text by trigrams; the bigram tokens
# (``transcript_tables.py: bigram_tokens``) as words.
_ADD = (
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.rowid, new.text); "
    f"INSERT INTO {BIGRAMS_FTS}(rowid, bigrams) VALUES (new.rowid, new.bigrams);"
)
_REMOVE = (
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.rowid, old.text); "
    f"INSERT INTO {BIGRAMS_FTS}({BIGRAMS_FTS}, rowid, bigrams) "
    "VALUES ('delete', old.rowid, old.bigrams);"
)
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "text, content='transcript_cues', content_rowid='rowid', tokenize='trigram')",
    f"CREATE VIRTUAL TABLE {BIGRAMS_FTS} USING fts5("
    "bigrams, content='transcript_cues', content_rowid='rowid', tokenize='ascii')",
    f"CREATE TRIGGER transcript_cues_ai AFTER INSERT ON transcript_cues BEGIN {_ADD} END",
    f"CREATE TRIGGER transcript_cues_ad AFTER DELETE ON transcript_cues BEGIN {_REMOVE} END",
    f"CREATE TRIGGER transcript_cues_au AFTER UPDATE ON transcript_cues BEGIN {_REMOVE} {_ADD} END",
]


def upgrade() -> None:
    op.create_table(
        "transcript_cues",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("cue_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("bigrams", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("track_id", "cue_index"),
    )
    op.create_index("ix_transcript_cues_aggregate_id", "transcript_cues", ["aggregate_id"])
    op.create_index("ix_transcript_cues_tenant", "transcript_cues", ["tenant"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        # Trusted since PostgreSQL 13: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Named with its schema: the extension may live outside the search path (a scratch
        # schema of ``projections verify``).
        where = op.get_bind().execute(
            sa.text(
                "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
            )
        )
        ops = f"{where.scalar_one()}.gin_trgm_ops"
        op.execute(f"CREATE INDEX {TRIGRAMS} ON transcript_cues USING gin (text {ops})")
        op.execute(
            f"CREATE INDEX {BIGRAMS} ON transcript_cues USING gin (to_tsvector('simple', bigrams))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("transcript_cues_au", "transcript_cues_ad", "transcript_cues_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute(f"DROP TABLE {BIGRAMS_FTS}")
        op.execute(f"DROP TABLE {FTS}")
    else:
        op.execute(f"DROP INDEX {BIGRAMS}")
        op.execute(f"DROP INDEX {TRIGRAMS}")
    op.drop_table("transcript_cues")
