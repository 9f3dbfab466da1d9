"""playback_sessions.ended_at indexed: reconcile reads the sessions closed lately

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_playback_sessions_ended_at"), "playback_sessions", ["ended_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_playback_sessions_ended_at"), table_name="playback_sessions")
