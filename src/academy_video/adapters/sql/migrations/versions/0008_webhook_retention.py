"""webhooks: the indexes that pruning old history needs (``academy-video webhooks prune``)

Revision ID: 0008
Revises: 0007

Indexes only: finished deliveries by age, a message's deliveries (also what the foreign key's
check reads when a message is deleted), attempts by delivery, and messages by age. No row
changes.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_webhook_deliveries_finished_at", "webhook_deliveries", ["finished_at"]),
    ("ix_webhook_deliveries_position", "webhook_deliveries", ["position"]),
    ("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"]),
    ("ix_webhook_messages_occurred_at", "webhook_messages", ["occurred_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
