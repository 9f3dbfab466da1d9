"""videos.error_reason as text: a reason is up to 2,000 characters (as the seed's TextField)

Revision ID: 0004
Revises: 0003

It was 255 characters: on PostgreSQL a longer reason from a worker was refused by the read model,
which stopped the videos projection.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.alter_column(
            "error_reason", existing_type=sa.String(length=255), type_=sa.Text(), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.alter_column(
            "error_reason", existing_type=sa.Text(), type_=sa.String(length=255), nullable=False
        )
