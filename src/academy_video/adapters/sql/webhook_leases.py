"""The statements that lease and finish webhook deliveries (``webhooks.py: SqlWebhookQueue``
runs them): which due deliveries a lease takes, tenants in turn, one subject's in order, and how
an attempt's end is written back, by its holder only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text

from academy_video.app.ports.webhooks import Finished
from academy_video.domain.webhook_catalogue import PING

from .outbox import PENDING
from .webhook_tables import webhook_deliveries as d
from .webhook_tables import webhook_messages as m
from .webhook_tables import webhook_subscription_types as st
from .webhook_tables import webhook_subscriptions as s

DELIVERED, FAILED, RETRYING = "delivered", "failed", "retrying"


def leasing_statement(
    *, owner: str, now: datetime, until: datetime, limit: int, skip_tenants: frozenset[str]
) -> Any:
    """Lease up to ``limit`` due deliveries to ``owner`` until ``until``; returns their ids."""
    # The head of each subscription's queue of one subject: its earliest pending delivery
    # (one pass over the pending rows, whatever their number; a NOT EXISTS per row made a
    # lease quadratic in the backlog a receiver that was down leaves).
    due = d.alias("due")
    # Only enabled subscriptions' queues (what a deleted or disabled one left pending is
    # never grouped), and only the types each still wants: one no longer wanted is not
    # sent, whatever was queued before, nor holds back what follows it.
    wanted = or_(
        m.c.type == PING,
        exists().where(st.c.subscription_id == d.c.subscription_id, st.c.type == m.c.type),
    )
    heads = (
        select(d.c.subscription_id, d.c.subject, func.min(d.c.position).label("first"))
        .join(s, and_(s.c.aggregate_id == d.c.subscription_id, s.c.enabled.is_(True)))
        .join(m, m.c.position == d.c.position)
        .where(d.c.status == PENDING, wanted)
        .group_by(d.c.subscription_id, d.c.subject)
        .subquery("heads")
    )
    # Each tenant's due heads ranked in its own order; the lease takes every tenant's first,
    # then every tenant's second, ...: a tenant with thousands waiting takes its turn.
    message = m.alias("due_message")
    ranked = (
        select(
            due.c.delivery_id,
            due.c.position,
            func.row_number()
            .over(partition_by=message.c.tenant, order_by=(due.c.position, due.c.delivery_id))
            .label("turn"),
        )
        .join(
            heads,
            and_(
                heads.c.subscription_id == due.c.subscription_id,
                heads.c.subject == due.c.subject,
                heads.c.first == due.c.position,
            ),
        )
        .join(s, s.c.aggregate_id == due.c.subscription_id)
        .join(message, message.c.position == due.c.position)
        .where(
            due.c.status == PENDING,
            due.c.next_attempt_at <= now,
            or_(due.c.leased_until.is_(None), due.c.leased_until <= now),
            s.c.enabled.is_(True),
            message.c.tenant.not_in(sorted(skip_tenants)),
        )
        .subquery("ranked")
    )
    pick = d.alias("pick")  # not the UPDATE's own table: never correlated with it
    chosen = (
        select(pick.c.delivery_id)
        .join(ranked, ranked.c.delivery_id == pick.c.delivery_id)
        .where(
            pick.c.status == PENDING,
            or_(pick.c.leased_until.is_(None), pick.c.leased_until <= now),
        )
        .order_by(ranked.c.turn, ranked.c.position, pick.c.delivery_id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=pick)
    )
    return (
        d.update()
        .where(d.c.delivery_id.in_(chosen.scalar_subquery()))
        .values(leased_by=owner, leased_until=until)
        .returning(d.c.delivery_id)
    )


def outcome_of(one: Finished) -> str:
    return DELIVERED if one.delivered else RETRYING if one.next_attempt_at is not None else FAILED


# ``finishing`` of many at once on PostgreSQL: one statement whose text never changes (the rows
# are arrays bound as parameters), so it is compiled once, not once per batch as VALUES rows.
_FINISHING_ALL = text(
    f"""
    UPDATE {d.name} AS d SET
        attempts = d.attempts + 1,
        first_attempt_at = coalesce(d.first_attempt_at, ended.at),
        status = ended.status,
        next_attempt_at = coalesce(ended.next_at, d.next_attempt_at),
        finished_at = ended.finished_at,
        leased_by = NULL,
        leased_until = NULL
    FROM unnest(
        CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[]), CAST(:statuses AS text[]),
        CAST(:next_ats AS timestamptz[]), CAST(:finished_ats AS timestamptz[])
    ) AS ended(delivery_id, at, status, next_at, finished_at)
    WHERE d.delivery_id = ended.delivery_id AND d.leased_by = :owner AND d.status = :pending
    RETURNING d.delivery_id, d.subscription_id
    """
)


def finishing_all(finished: list[Finished], owner: str) -> Any:
    outcomes = [outcome_of(one) for one in finished]
    return _FINISHING_ALL.bindparams(
        ids=[one.delivery_id for one in finished],
        ats=[one.at for one in finished],
        statuses=[PENDING if o == RETRYING else o for o in outcomes],
        next_ats=[one.next_attempt_at for one in finished],
        finished_ats=[
            None if o == RETRYING else one.at for one, o in zip(finished, outcomes, strict=True)
        ],
        owner=owner,
        pending=PENDING,
    )


def finishing(one: Finished, owner: str) -> Any:
    outcome = outcome_of(one)
    return (
        d.update()
        .where(d.c.delivery_id == one.delivery_id, d.c.leased_by == owner, d.c.status == PENDING)
        .values(
            attempts=d.c.attempts + 1,
            first_attempt_at=func.coalesce(d.c.first_attempt_at, one.at),
            status=PENDING if outcome == RETRYING else outcome,
            next_attempt_at=one.next_attempt_at
            if one.next_attempt_at is not None
            else d.c.next_attempt_at,
            finished_at=None if outcome == RETRYING else one.at,
            leased_by=None,
            leased_until=None,
        )
        .returning(d.c.subscription_id)
    )
