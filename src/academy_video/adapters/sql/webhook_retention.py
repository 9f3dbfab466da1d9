"""``WebhookQueue.prune`` in SQL: the webhooks' history older than a time, deleted a batch a
transaction (each holds its row locks, and the outbox's turn, only for one batch's deletes).

Deliveries first (only those delivered or given up, with their attempts), then the messages no
delivery refers to any more: a pending delivery's message stays, however old, and so does the
message of a delivery finished since ``before`` (a replay's). The messages' deletes take the
outbox's turn (``outbox.take_turn``), as a replay's queueing does, so a replay never queues a
delivery of a message being deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, select

from .outbox import take_turn
from .webhook_tables import webhook_attempts as a
from .webhook_tables import webhook_deliveries as d
from .webhook_tables import webhook_messages as m

PRUNE_BATCH = 500  # rows of one table deleted per transaction
FINISHED = ("delivered", "failed")


def delete_older(engine: Engine, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
    """How many rows were deleted (deliveries, attempts and messages)."""
    done = d.c.status.in_(FINISHED)
    finished = select(d.c.delivery_id).where(done, d.c.finished_at < before)
    referred = exists().where(d.c.position == m.c.position)
    unneeded = select(m.c.position).where(m.c.occurred_at < before, ~referred)
    removed = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.execute(finished.limit(batch)).scalars())
            if ids:
                removed += _deleted(conn, a.delete().where(a.c.delivery_id.in_(ids)))
                # The status again in the delete: a pending one never goes, whatever was read.
                removed += _deleted(conn, d.delete().where(d.c.delivery_id.in_(ids), done))
        if len(ids) < batch:
            break
    while True:
        with engine.begin() as conn:
            take_turn(conn)
            positions = list(conn.execute(unneeded.limit(batch)).scalars())
            if positions:
                removed += _deleted(conn, m.delete().where(m.c.position.in_(positions), ~referred))
        if len(positions) < batch:
            break
    return removed


def _deleted(conn: Connection, statement: Any) -> int:
    return int(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount)
