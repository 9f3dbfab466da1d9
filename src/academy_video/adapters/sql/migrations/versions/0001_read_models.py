"""read models: directory, projections, tracking

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("session_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "enrollment_id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_tenant"), ["tenant"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("enrollment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("lecture_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("enrollment_id"),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_lecture_id"), ["lecture_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_tenant"), ["tenant"], unique=False)

    op.create_table(
        "job_queue",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("queued_seq", sa.BigInteger(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_seq", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("aggregate_id"),
        sa.UniqueConstraint("video_id"),
    )
    with op.batch_alter_table("job_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_queue_queued_seq"), ["queued_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_queue_tenant"), ["tenant"], unique=False)

    op.create_table(
        "lecture_sessions",
        sa.Column("session_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("lecture_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("lecture_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lecture_sessions_lecture_id"), ["lecture_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lecture_sessions_tenant"), ["tenant"], unique=False)

    op.create_table(
        "lectures",
        sa.Column("lecture_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("lecture_id"),
    )
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lectures_tenant"), ["tenant"], unique=False)

    op.create_table(
        "permissions",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("permission_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("allow_skip_override", sa.Boolean(), nullable=True),
        sa.Column("max_speed_override", sa.Float(), nullable=True),
        sa.Column("show_watermark_override", sa.Boolean(), nullable=True),
        sa.Column("block_seek", sa.Boolean(), nullable=False),
        sa.Column("block_speed_control", sa.Boolean(), nullable=False),
        sa.Column("is_override", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
        sa.UniqueConstraint("permission_id"),
    )
    with op.batch_alter_table("permissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permissions_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_permissions_tenant"), ["tenant"], unique=False)
        batch_op.create_index(batch_op.f("ix_permissions_video_id"), ["video_id"], unique=False)

    op.create_table(
        "playback_events",
        sa.Column("session_aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("batch_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("violated", sa.Boolean(), nullable=False),
        sa.Column("violation_reason", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("session_aggregate_id", "batch_version", "item"),
    )
    with op.batch_alter_table("playback_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playback_events_tenant"), ["tenant"], unique=False)
        batch_op.create_index(
            "ix_playback_events_video_enrollment", ["video_id", "enrollment_id"], unique=False
        )
        batch_op.create_index(
            "ix_playback_events_video_time", ["video_id", "occurred_at"], unique=False
        )

    op.create_table(
        "playback_sessions",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("grant_version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=255), nullable=False),
        sa.Column("events_total", sa.Integer(), nullable=False),
        sa.Column("violations_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
        sa.UniqueConstraint("session_id"),
    )
    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playback_sessions_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_playback_sessions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_playback_sessions_tenant"), ["tenant"], unique=False)
        batch_op.create_index(batch_op.f("ix_playback_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_playback_sessions_video_id"), ["video_id"], unique=False
        )

    op.create_table(
        "progress",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("progress_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("last_position", sa.Float(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("rejected_jumps", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
        sa.UniqueConstraint("progress_id"),
    )
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_progress_tenant"), ["tenant"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_video_id"), ["video_id"], unique=False)

    op.create_table(
        "session_access",
        sa.Column("session_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "enrollment_id"),
    )
    with op.batch_alter_table("session_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_access_tenant"), ["tenant"], unique=False)

    op.create_table(
        "students",
        sa.Column("student_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("parent_phone", sa.String(length=32), nullable=False),
        sa.Column("school", sa.String(length=255), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("student_id"),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_students_tenant"), ["tenant"], unique=False)
        batch_op.create_index(batch_op.f("ix_students_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tracking",
        sa.Column("application_name", sa.String(length=255), nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("application_name"),
    )
    op.create_table(
        "videos",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("file_key", sa.String(length=1024), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("allow_skip", sa.Boolean(), nullable=False),
        sa.Column("max_speed", sa.Float(), nullable=False),
        sa.Column("show_watermark", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("hls_path", sa.String(length=1024), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=1024), nullable=False),
        sa.Column("error_reason", sa.String(length=255), nullable=False),
        sa.Column("processing_progress", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
        sa.UniqueConstraint("video_id"),
    )
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_videos_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_videos_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_videos_tenant"), ["tenant"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_videos_tenant"))
        batch_op.drop_index(batch_op.f("ix_videos_status"))
        batch_op.drop_index(batch_op.f("ix_videos_session_id"))

    op.drop_table("videos")
    op.drop_table("tracking")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_user_id"))
        batch_op.drop_index(batch_op.f("ix_students_tenant"))

    op.drop_table("students")
    with op.batch_alter_table("session_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_access_tenant"))

    op.drop_table("session_access")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_video_id"))
        batch_op.drop_index(batch_op.f("ix_progress_tenant"))
        batch_op.drop_index(batch_op.f("ix_progress_enrollment_id"))

    op.drop_table("progress")
    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playback_sessions_video_id"))
        batch_op.drop_index(batch_op.f("ix_playback_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_playback_sessions_tenant"))
        batch_op.drop_index(batch_op.f("ix_playback_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_playback_sessions_enrollment_id"))

    op.drop_table("playback_sessions")
    with op.batch_alter_table("playback_events", schema=None) as batch_op:
        batch_op.drop_index("ix_playback_events_video_time")
        batch_op.drop_index("ix_playback_events_video_enrollment")
        batch_op.drop_index(batch_op.f("ix_playback_events_tenant"))

    op.drop_table("playback_events")
    with op.batch_alter_table("permissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permissions_video_id"))
        batch_op.drop_index(batch_op.f("ix_permissions_tenant"))
        batch_op.drop_index(batch_op.f("ix_permissions_enrollment_id"))

    op.drop_table("permissions")
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lectures_tenant"))

    op.drop_table("lectures")
    with op.batch_alter_table("lecture_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lecture_sessions_tenant"))
        batch_op.drop_index(batch_op.f("ix_lecture_sessions_lecture_id"))

    op.drop_table("lecture_sessions")
    with op.batch_alter_table("job_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_queue_tenant"))
        batch_op.drop_index(batch_op.f("ix_job_queue_queued_seq"))

    op.drop_table("job_queue")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_tenant"))
        batch_op.drop_index(batch_op.f("ix_enrollments_student_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_lecture_id"))

    op.drop_table("enrollments")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_tenant"))

    op.drop_table("attendance")
