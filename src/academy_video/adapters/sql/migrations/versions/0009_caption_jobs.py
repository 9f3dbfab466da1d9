"""caption_jobs: the auto-caption queue (a row per PROCESSING auto track, projected from the
Video log; the lease columns are the claimers')

Revision ID: 0009
Revises: 0008

A new table only. No track can be waiting in a log stored before it: auto-captions could not be
requested until this revision's code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caption_jobs",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("video_aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=64), nullable=False),
        sa.Column("queued_seq", sa.BigInteger(), nullable=False),
        sa.Column("claimed_seq", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("aggregate_id"),
    )
    with op.batch_alter_table("caption_jobs", schema=None) as batch_op:
        for column in ("video_aggregate_id", "video_id", "tenant", "queued_seq"):
            batch_op.create_index(batch_op.f(f"ix_caption_jobs_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("caption_jobs", schema=None) as batch_op:
        for column in ("queued_seq", "tenant", "video_id", "video_aggregate_id"):
            batch_op.drop_index(batch_op.f(f"ix_caption_jobs_{column}"))
    op.drop_table("caption_jobs")
