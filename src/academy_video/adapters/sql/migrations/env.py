"""Alembic environment: runs on the connection ``migrate.upgrade`` hands over."""

from __future__ import annotations

from alembic import context

from academy_video.adapters.sql.migrate import ours
from academy_video.adapters.sql.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, include_name=ours
)
with context.begin_transaction():
    context.run_migrations()
