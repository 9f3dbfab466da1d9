"""The webhooks' tables: subscriptions as projected from the ``Webhooks`` log, and what is not
in any log: the signing secrets, the outbox of public events (``webhook_messages``), the
deliveries queued from it and every attempt made.

Only the two subscription tables are projections (in ``tables.PROJECTED``). The outbox is
written by the projector in the transaction that moves its position, but a rebuild never
empties it nor adds to it: what was sent stays sent, and nothing is sent twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from .schema import NAME, SHORT, TENANT, metadata, tenant_column

# 64-bit ids; INTEGER on SQLite, the only type it numbers by itself (its rowid).
ID = BigInteger().with_variant(Integer(), "sqlite")
TYPE = SHORT * 2  # a public event type (``video.uploaded``)
MESSAGE_ID = SHORT * 2  # ``msg_`` and 26 characters; a ping's id is the caller's
RESPONSE = 1024  # app/ports/webhooks.py MAX_RESPONSE_CHARS


def _when(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


# Projected from the Webhooks log (``projections.project_webhook``) -----------------------------

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    tenant_column(),
    Column("url", Text, nullable=False),  # bounded by the domain
    Column("description", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(SHORT), nullable=False),  # "", "admin", "failing"
    _when("disabled_at", nullable=True),
    _when("created_at"),
    _when("secret_rotated_at", nullable=True),
    Column("event_types", JSON, nullable=False),  # the subscribed types, as a list
)

# One row per subscribed type: the fan-out joins messages on (tenant, type).
webhook_subscription_types = Table(
    "webhook_subscription_types",
    metadata,
    Column("subscription_id", Uuid, primary_key=True),
    Column("tenant", String(TENANT), nullable=False),
    Column("type", String(TYPE), primary_key=True),
    Index("ix_webhook_subscription_types_tenant_type", "tenant", "type"),
)

# Not in any log ------------------------------------------------------------------------------

# Signing secrets (``SqlWebhookSecrets``): never in an event, so never replayed nor audited.
webhook_secrets = Table(
    "webhook_secrets",
    metadata,
    Column("secret_id", ID, primary_key=True, autoincrement=True),  # the order added
    Column("subscription_id", Uuid, nullable=False, index=True),
    Column("secret", String(NAME), nullable=False),
    _when("created_at"),
    _when("valid_until", nullable=True),  # None: until a rotation sets it
)

# The outbox: each public event once, numbered in commit order (the feed's cursor).
webhook_messages = Table(
    "webhook_messages",
    metadata,
    Column("position", ID, primary_key=True, autoincrement=True),
    Column("message_id", String(MESSAGE_ID), nullable=False, unique=True),
    Column("tenant", String(TENANT), nullable=False),
    Column("type", String(TYPE), nullable=False),
    Column("subject", String(NAME), nullable=False),
    _when("occurred_at"),
    Column("data", JSON, nullable=False),
    Index("ix_webhook_messages_tenant_position", "tenant", "position"),  # the feed
    Index("ix_webhook_messages_tenant_occurred_at", "tenant", "occurred_at"),  # replay
    Index("ix_webhook_messages_occurred_at", "occurred_at"),  # pruning (0008)
)

# One message to one subscription: pending until delivered or failed for good.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", ID, primary_key=True, autoincrement=True),
    Column("subscription_id", Uuid, nullable=False),
    Column("position", ID, ForeignKey("webhook_messages.position"), nullable=False),
    Column("message_id", String(MESSAGE_ID), nullable=False),
    Column("subject", String(NAME), nullable=False),
    Column("status", String(SHORT), nullable=False),  # "pending", "delivered", "failed"
    Column("attempts", Integer, nullable=False),
    _when("next_attempt_at"),
    _when("first_attempt_at", nullable=True),
    Column("leased_by", String(NAME)),
    _when("leased_until", nullable=True),
    _when("created_at"),
    _when("finished_at", nullable=True),
    # The lease's scan: pending ones by due time; and the one-subject-in-order check.
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_order", "subscription_id", "subject", "position"),
    # Pruning (0008): the finished ones by age; and a message's deliveries (whether one still
    # needs it, and the foreign key's check when it is deleted).
    Index("ix_webhook_deliveries_finished_at", "finished_at"),
    Index("ix_webhook_deliveries_position", "position"),
)

# Every attempt, for the delivery log a tenant reads.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("attempt_id", ID, primary_key=True, autoincrement=True),
    Column("delivery_id", ID, nullable=False),
    Column("subscription_id", Uuid, nullable=False),
    _when("at"),
    Column("status_code", Integer),  # None: no HTTP answer
    Column("duration_ms", Integer, nullable=False),
    Column("response", String(RESPONSE), nullable=False),
    Column("error", String(RESPONSE), nullable=False),
    Column("outcome", String(SHORT), nullable=False),  # "delivered", "retrying", "failed"
    Index("ix_webhook_attempts_subscription_at", "subscription_id", "at"),
    Index("ix_webhook_attempts_delivery_id", "delivery_id"),  # pruning (0008)
)
