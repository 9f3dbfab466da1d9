"""playback event hours: per video, student and hour, the sums the risk ranking reads

Revision ID: 0003
Revises: 0002

Filled by the projection from now on; run ``academy-video projections rebuild`` once after
upgrading to fill it from the events already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playback_event_hours",
        sa.Column("video_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("danger", sa.Integer(), nullable=False),
        sa.Column("warn", sa.Integer(), nullable=False),
        sa.Column("info", sa.Integer(), nullable=False),
        sa.Column("last_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "enrollment_id", "hour"),
    )
    op.create_index(
        op.f("ix_playback_event_hours_tenant"), "playback_event_hours", ["tenant"], unique=False
    )
    op.create_index(
        "ix_playback_event_hours_video_hour",
        "playback_event_hours",
        ["video_id", "hour"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_playback_event_hours_video_hour", table_name="playback_event_hours")
    op.drop_index(op.f("ix_playback_event_hours_tenant"), table_name="playback_event_hours")
    op.drop_table("playback_event_hours")
