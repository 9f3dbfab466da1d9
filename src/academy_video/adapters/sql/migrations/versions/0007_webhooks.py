"""webhooks: subscriptions (projected from the Webhooks log), their secrets, the outbox of
public events, its deliveries and their attempts

Revision ID: 0007
Revises: 0006

New tables only. The outbox starts empty: events stored before the upgrade are not sent (the
tracked positions do not move, so they are not projected again).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=32), nullable=False),
        _when("disabled_at", nullable=True),
        _when("created_at"),
        _when("secret_rotated_at", nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id"),
    )
    op.create_index(op.f("ix_webhook_subscriptions_tenant"), "webhook_subscriptions", ["tenant"])
    op.create_table(
        "webhook_subscription_types",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "type"),
    )
    op.create_index(
        "ix_webhook_subscription_types_tenant_type",
        "webhook_subscription_types",
        ["tenant", "type"],
    )
    op.create_table(
        "webhook_secrets",
        sa.Column("secret_id", ID, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        _when("created_at"),
        _when("valid_until", nullable=True),
        sa.PrimaryKeyConstraint("secret_id"),
    )
    op.create_index(
        op.f("ix_webhook_secrets_subscription_id"), "webhook_secrets", ["subscription_id"]
    )
    op.create_table(
        "webhook_messages",
        sa.Column("position", ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        _when("occurred_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        "ix_webhook_messages_tenant_position", "webhook_messages", ["tenant", "position"]
    )
    op.create_index(
        "ix_webhook_messages_tenant_occurred_at", "webhook_messages", ["tenant", "occurred_at"]
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", ID, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("position", ID, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        _when("first_attempt_at", nullable=True),
        sa.Column("leased_by", sa.String(length=255), nullable=True),
        _when("leased_until", nullable=True),
        _when("created_at"),
        _when("finished_at", nullable=True),
        sa.ForeignKeyConstraint(["position"], ["webhook_messages.position"]),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_order",
        "webhook_deliveries",
        ["subscription_id", "subject", "position"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("attempt_id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        _when("at"),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=1024), nullable=False),
        sa.Column("error", sa.String(length=1024), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id"),
    )
    op.create_index(
        "ix_webhook_attempts_subscription_at", "webhook_attempts", ["subscription_id", "at"]
    )


def downgrade() -> None:
    for table in (
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_messages",
        "webhook_secrets",
        "webhook_subscription_types",
        "webhook_subscriptions",
    ):
        op.drop_table(table)  # their indexes go with them
