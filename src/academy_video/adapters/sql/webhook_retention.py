"""``WebhookQueue.prune`` in SQL: the webhooks' history older than a time, deleted a batch a
transaction (each holds its row locks, and the outbox's turn, only for one batch's deletes).

Deliveries first, with their attempts: those delivered or given up before ``before``; then the
pending ones no one will send: a deleted subscription's (the lease needs an enabled one),
whatever their age, and a disabled one's queued before ``before`` (kept until then for when it
is enabled again). A delivery leased and not run out is in flight and stays. Then the messages
no delivery refers to any more: a pending delivery's message stays, however old, and so does
the message of a delivery finished since ``before`` (a replay's). The messages' deletes take
the outbox's turn (``outbox.take_turn``), as a replay's queueing does, so a replay never queues
a delivery of a message being deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Engine, and_, exists, or_, select

from .outbox import PENDING, take_turn
from .webhook_tables import webhook_attempts as a
from .webhook_tables import webhook_deliveries as d
from .webhook_tables import webhook_messages as m
from .webhook_tables import webhook_subscriptions as s

PRUNE_BATCH = 500  # rows of one table deleted per transaction
FINISHED = ("delivered", "failed")


def delete_older(
    engine: Engine, before: datetime, *, batch: int = PRUNE_BATCH, now: datetime | None = None
) -> int:
    """How many rows were deleted (deliveries, attempts and messages). ``now``: when a lease
    has run out (default: the wall clock)."""
    now = now or datetime.now(UTC)
    done = and_(d.c.status.in_(FINISHED), d.c.finished_at < before)
    removed = _deliveries(engine, done, batch)
    removed += _abandoned(engine, before, now, batch)
    return removed + _messages(engine, before, batch)


def _abandoned(engine: Engine, before: datetime, now: datetime, batch: int) -> int:
    """The pending deliveries of deleted subscriptions, and the old ones of disabled ones."""
    pending = and_(
        d.c.status == PENDING,
        or_(d.c.leased_until.is_(None), d.c.leased_until <= now),  # not in flight
    )
    orphaned = select(d.c.subscription_id).where(
        d.c.status == PENDING, ~exists().where(s.c.aggregate_id == d.c.subscription_id)
    )
    disabled = select(s.c.aggregate_id).where(s.c.enabled.is_(False))
    with engine.connect() as conn:
        gone = list(conn.execute(orphaned.distinct()).scalars())
        resting = list(conn.execute(disabled).scalars())
    removed = 0
    for subscription in gone:
        # The condition again in each delete: a subscription created since is not touched.
        still_gone = ~exists().where(s.c.aggregate_id == subscription)
        removed += _deliveries(engine, and_(_of(subscription), pending, still_gone), batch)
    for subscription in resting:
        still_disabled = exists().where(s.c.aggregate_id == subscription, s.c.enabled.is_(False))
        old = and_(_of(subscription), pending, d.c.created_at < before, still_disabled)
        removed += _deliveries(engine, old, batch)
    return removed


def _of(subscription: UUID) -> ColumnElement[bool]:
    return d.c.subscription_id == subscription


def _deliveries(engine: Engine, condition: ColumnElement[bool], batch: int) -> int:
    """Delete the deliveries that meet ``condition`` and their attempts, a batch at a time."""
    removed = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.execute(select(d.c.delivery_id).where(condition).limit(batch)))
            if ids:
                # The condition again in the delete: one leased or finished since stays.
                chosen = d.delete().where(d.c.delivery_id.in_([i for (i,) in ids]), condition)
                deleted = list(conn.execute(chosen.returning(d.c.delivery_id)).scalars())
                removed += len(deleted)
                if deleted:
                    removed += _deleted(conn, a.delete().where(a.c.delivery_id.in_(deleted)))
        if len(ids) < batch:
            return removed


def _messages(engine: Engine, before: datetime, batch: int) -> int:
    """The old messages no delivery refers to (once the pending deliveries no one will send
    are gone, those still referred to are few: each batch's query walks them again)."""
    referred = exists().where(d.c.position == m.c.position)
    unneeded = select(m.c.position).where(m.c.occurred_at < before, ~referred)
    removed = 0
    while True:
        with engine.begin() as conn:
            take_turn(conn)
            positions = list(conn.execute(unneeded.limit(batch)).scalars())
            if positions:
                removed += _deleted(conn, m.delete().where(m.c.position.in_(positions), ~referred))
        if len(positions) < batch:
            return removed


def _deleted(conn: Connection, statement: Any) -> int:
    return int(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount)
