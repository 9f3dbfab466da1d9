"""playback events: a stable integer id, the server's time as occurred_at (the player's beside
it), and the policy each event was judged against

Revision ID: 0006
Revises: 0005

The events' rows and hourly sums change meaning (``occurred_at`` is now the time the server
received the batch, as in the seed), so this empties both and moves the PlaybackSessions
projection back to the start of its log: the first catch-up after the upgrade (every start does
one before serving) projects that log again, with its ids numbered as a rebuild numbers them.
Its other rows (playback_sessions, the audit chain) are upserted to the same values.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PLAYBACK = "PlaybackSessions"


def _described(*columns: sa.Column[Any]) -> list[sa.Column[Any]]:
    """The columns of an event's row that both versions of the table have, after ``columns``."""
    return [
        *columns,
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("violated", sa.Boolean(), nullable=False),
        sa.Column("violation_reason", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _replace_events_table(*columns: Any) -> None:
    """Drop playback_events and create it with ``columns`` and its indexes; its rows, and the
    hourly sums made from them, are projected again from the start of the log."""
    for index in ("ix_playback_events_video_time", "ix_playback_events_video_enrollment"):
        op.drop_index(index, table_name="playback_events")
    op.drop_index(op.f("ix_playback_events_tenant"), table_name="playback_events")
    op.drop_table("playback_events")
    op.create_table("playback_events", *columns)
    op.create_index(op.f("ix_playback_events_tenant"), "playback_events", ["tenant"])
    op.create_index(
        "ix_playback_events_video_enrollment", "playback_events", ["video_id", "enrollment_id"]
    )
    op.create_index("ix_playback_events_video_time", "playback_events", ["video_id", "occurred_at"])
    op.execute("DELETE FROM playback_event_hours")
    op.execute(f"UPDATE tracking SET notification_id = 0 WHERE application_name = '{PLAYBACK}'")


def upgrade() -> None:
    _replace_events_table(
        *_described(
            sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("session_aggregate_id", sa.Uuid(), nullable=False),
            sa.Column("batch_version", sa.Integer(), nullable=False),
            sa.Column("item", sa.Integer(), nullable=False),
        ),
        sa.Column("client_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("policy_key", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "playback_policies",
        sa.Column("policy_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("policy_key"),
    )


def downgrade() -> None:
    op.drop_table("playback_policies")
    _replace_events_table(
        *_described(
            sa.Column("session_aggregate_id", sa.Uuid(), nullable=False),
            sa.Column("batch_version", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("item", sa.Integer(), autoincrement=False, nullable=False),
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("session_aggregate_id", "batch_version", "item"),
    )
