"""audit chain: the HMAC seal of every stored event

Revision ID: 0002
Revises: 0001

Existing events are not sealed by this migration (it has no key): run
``academy-video projections rebuild`` once after upgrading to seal the log as it stands.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("application_name", sa.String(length=255), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("application_name", "aggregate_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("audit_chain")
