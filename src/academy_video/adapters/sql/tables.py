"""The read models' tables (SQLAlchemy Core), in the same database as the events.

Two kinds of table live here (the directory's in ``directory_tables.py``, re-exported; the
webhooks' in ``webhook_tables.py``):
- the directory, a replica of the academy's roster pushed by the platform (not event-sourced);
- projections of the event log (``PROJECTED``): one row per aggregate, keyed by
  ``aggregate_id`` so a projection batch can fetch the rows it touches in one query, plus the
  append-only ``playback_events``. They can always be dropped and rebuilt from the log.

``tracking`` holds each projection's position in its Application's notification log; it is
written in the same transaction as the rows, which is what makes projections exactly-once.
Schema changes go through Alembic (``migrations/``); keep the two in step.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from .caption_queue import NOT_PROJECTED as CAPTION_JOBS_NOT_PROJECTED
from .caption_queue import caption_jobs
from .directory_tables import attendance as attendance
from .directory_tables import enrollments as enrollments
from .directory_tables import lecture_sessions as lecture_sessions
from .directory_tables import lectures as lectures
from .directory_tables import session_access as session_access
from .directory_tables import students as students
from .schema import KEY, NAME, SHORT, tenant_column
from .schema import metadata as metadata  # every read model's, the webhooks' too
from .transcript_tables import transcript_cues
from .webhook_tables import webhook_subscription_types, webhook_subscriptions

_tenant = tenant_column


# Projections -------------------------------------------------------------------------------

videos = Table(
    "videos",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("video_id", BigInteger, nullable=False, unique=True),
    _tenant(),
    Column("session_id", BigInteger, nullable=False, index=True),
    Column("title", String(NAME), nullable=False),
    Column("file_key", String(KEY), nullable=False),
    Column("order", Integer, nullable=False),
    Column("status", String(SHORT), nullable=False, index=True),
    Column("allow_skip", Boolean, nullable=False),
    Column("max_speed", Float, nullable=False),
    Column("show_watermark", Boolean, nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("duration", Float),
    Column("hls_path", String(KEY), nullable=False),
    Column("thumbnail_key", String(KEY), nullable=False),
    Column("error_reason", Text, nullable=False),  # up to MAX_REASON_LENGTH (domain/video.py)
    Column("processing_progress", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Videos waiting for a worker: UPLOADED ones, and PROCESSING ones until their lease runs out.
job_queue = Table(
    "job_queue",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("video_id", BigInteger, nullable=False, unique=True),
    _tenant(),
    # Log position of the event that (re)queued it: the claim order, and the queue round an
    # old claim belongs to (a retry starts a new round that no earlier claim hides).
    Column("queued_seq", BigInteger, nullable=False, index=True),
    Column("available_at", DateTime(timezone=True)),  # None: now; else when the lease ends
    # Written by claimers, never by the projection: which round a worker reserved, until when.
    # They keep concurrent claimers off a row until its ProcessingStarted is projected.
    Column("claimed_seq", BigInteger),
    Column("claimed_by", String(NAME)),
    Column("claimed_until", DateTime(timezone=True)),
)

permissions = Table(
    "permissions",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("permission_id", BigInteger, nullable=False, unique=True),
    _tenant(),
    Column("video_id", BigInteger, nullable=False, index=True),
    Column("enrollment_id", BigInteger, nullable=False, index=True),
    Column("active", Boolean, nullable=False),
    Column("rule", String(SHORT), nullable=False),
    Column("allow_skip_override", Boolean),
    Column("max_speed_override", Float),
    Column("show_watermark_override", Boolean),
    Column("block_seek", Boolean, nullable=False),
    Column("block_speed_control", Boolean, nullable=False),
    Column("is_override", Boolean, nullable=False),
    Column("version", Integer, nullable=False),  # the grant version playback tokens carry
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

progress = Table(
    "progress",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("progress_id", BigInteger, nullable=False, unique=True),
    _tenant(),
    Column("video_id", BigInteger, nullable=False, index=True),
    Column("enrollment_id", BigInteger, nullable=False, index=True),
    Column("progress", Float, nullable=False),
    Column("last_position", Float, nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("rejected_jumps", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

playback_sessions = Table(
    "playback_sessions",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("session_id", String(SHORT * 2), nullable=False, unique=True),
    _tenant(),
    Column("video_id", BigInteger, nullable=False, index=True),
    Column("enrollment_id", BigInteger, nullable=False, index=True),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("device_id", String(NAME), nullable=False),
    Column("status", String(SHORT), nullable=False, index=True),
    Column("policy_version", Integer, nullable=False),
    Column("grant_version", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Indexed for reconcile's "closed lately" (SqlActiveSessions.closed_since).
    Column("ended_at", DateTime(timezone=True), index=True),
    Column("revoke_reason", String(NAME), nullable=False),
    Column("events_total", Integer, nullable=False),
    Column("violations_total", Integer, nullable=False),
)

# One row per reported player event, with the columns analytics filter and group on.
playback_events = Table(
    "playback_events",
    metadata,
    # The event's public id: its place among all player events in the PlaybackSessions log
    # (1, 2, …, numbered by the projection in log order), so a rebuild gives the same ids.
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    # Where it is stored: the session, its EventsReported version, the position in that batch.
    Column("session_aggregate_id", Uuid, nullable=False),
    Column("batch_version", Integer, nullable=False),
    Column("item", Integer, nullable=False),
    Column("session_id", String(SHORT * 2), nullable=False),
    _tenant(),
    Column("video_id", BigInteger, nullable=False),
    Column("enrollment_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("event_type", String(SHORT), nullable=False),
    Column("violated", Boolean, nullable=False),
    Column("violation_reason", String(NAME), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),  # the server's receive time
    Column("client_occurred_at", DateTime(timezone=True), nullable=False),  # the player's
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("policy_key", BigInteger, nullable=False),  # the policy judged by: playback_policies
    Index("ix_playback_events_video_time", "video_id", "occurred_at"),
    Index("ix_playback_events_video_enrollment", "video_id", "enrollment_id"),
)

# Each effective policy player events were judged against, once, under a key made from its
# content (``projections.policy_key``): an event row holds the key instead of a copy.
playback_policies = Table(
    "playback_policies",
    metadata,
    Column("policy_key", BigInteger, primary_key=True, autoincrement=False),
    Column("policy", JSON, nullable=False),
)

# Per video, student and hour (UTC): the sums the risk ranking and the summary rank by, kept up
# by the projection in the events' transaction (increments: exactly once, as every projection).
# A range starting mid-hour adds that hour's raw rows (adapters/sql/analytics.py).
playback_event_hours = Table(
    "playback_event_hours",
    metadata,
    Column("video_id", BigInteger, primary_key=True, autoincrement=False),
    Column("enrollment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hour", DateTime(timezone=True), primary_key=True),
    _tenant(),
    Column("events", Integer, nullable=False),
    Column("score", Integer, nullable=False),  # analytics weights (domain/policy.py)
    Column("danger", Integer, nullable=False),
    Column("warn", Integer, nullable=False),
    Column("info", Integer, nullable=False),
    Column("last_occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_playback_event_hours_video_hour", "video_id", "hour"),  # a range's whole hours
)

# The audit seal: one HMAC link per stored event, chained per aggregate (app/audit.py ``link``),
# written by the projector in the same transaction as the rows of the same events. Derived from
# the log like a projection, and emptied and re-sealed by a rebuild, but not in ``PROJECTED``:
# ``projections verify`` rebuilds without the key and compares rows; ``audit verify`` checks
# the links against the log itself instead.
audit_chain = Table(
    "audit_chain",
    metadata,
    Column("application_name", String(NAME), primary_key=True),
    Column("aggregate_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),  # hex HMAC-SHA256
)

tracking = Table(
    "tracking",
    metadata,
    Column("application_name", String(NAME), primary_key=True),
    Column("notification_id", BigInteger, nullable=False),
)

# Columns of projected tables that the projection does not own (``projections verify`` skips them).
NOT_PROJECTED: dict[str, frozenset[str]] = {
    "job_queue": frozenset({"claimed_seq", "claimed_by", "claimed_until"}),
    "caption_jobs": CAPTION_JOBS_NOT_PROJECTED,
}

# Rebuilt from the log by ``projections rebuild``; compared by ``projections verify``.
PROJECTED: tuple[Table, ...] = (
    videos,
    job_queue,
    permissions,
    progress,
    playback_sessions,
    playback_events,
    playback_policies,
    playback_event_hours,
    webhook_subscriptions,
    webhook_subscription_types,
    caption_jobs,
)

# Projected too, but with the stored caption files' text (``transcript_tables.py``): emptied and
# refilled by a rebuild, not compared by ``projections verify`` (it would read every file).
INDEXED: tuple[Table, ...] = (transcript_cues,)
