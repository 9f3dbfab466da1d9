"""``WebhookQueue`` in SQL: the deliveries the projector queued (``outbox.py``), leased by the
delivery processes, their attempts, replays, pings and the pull feed; and ``WebhookSecrets``
(``webhook_secrets.py``).

A lease is one ``UPDATE … WHERE delivery_id IN (SELECT … FOR UPDATE SKIP LOCKED)`` on
PostgreSQL (concurrent leasers skip each other's rows instead of queueing on them, as
``queue.py``), the same statement under SQLite's writer lock. One subject's deliveries to a
subscription go in order: none is leased while an earlier one of them is still pending.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Engine,
    and_,
    func,
    select,
)

from academy_video.app.ports.webhooks import (
    MAX_RESPONSE_CHARS,
    AttemptRecord,
    DueDelivery,
    Finished,
    Message,
)
from academy_video.domain.webhook_catalogue import PING

from .outbox import PENDING, queue_deliveries, take_turn
from .webhook_leases import DELIVERED, finishing, finishing_all, leasing_statement, outcome_of
from .webhook_retention import PRUNE_BATCH, delete_older
from .webhook_secrets import SqlWebhookSecrets
from .webhook_tables import webhook_attempts as a
from .webhook_tables import webhook_deliveries as d
from .webhook_tables import webhook_messages as m
from .webhook_tables import webhook_subscription_types as st
from .webhook_tables import webhook_subscriptions as s

__all__ = ["MAX_ROWS", "PRUNE_BATCH", "SqlWebhookQueue", "SqlWebhookSecrets"]

# At most this many rows a call, whatever ``limit`` asks (the use cases set tighter bounds).
MAX_ROWS = 1000


class SqlWebhookQueue:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        # When replays and pings are queued; the use cases' clock, where there is one.
        self.clock = clock or (lambda: datetime.now(UTC))

    def lease(
        self,
        *,
        owner: str,
        now: datetime,
        until: datetime,
        limit: int,
        skip_tenants: frozenset[str] = frozenset(),
    ) -> list[DueDelivery]:
        leasing = leasing_statement(
            owner=owner, now=now, until=until, limit=_bounded(limit), skip_tenants=skip_tenants
        )
        query = (
            select(d, s.c.url, *_message_columns())
            .join(s, s.c.aggregate_id == d.c.subscription_id)
            .join(m, m.c.position == d.c.position)
        )
        with self.engine.begin() as conn:
            ids = list(conn.execute(leasing).scalars())
            if not ids:
                return []
            rows = conn.execute(
                query.where(d.c.delivery_id.in_(ids)).order_by(d.c.position, d.c.delivery_id)
            ).mappings()
            return [
                DueDelivery(
                    delivery_id=int(row["delivery_id"]),
                    subscription_id=row["subscription_id"],
                    url=str(row["url"]),
                    message=_message(row),
                    attempt=int(row["attempts"]),
                    first_attempt_at=_utc_or_none(row["first_attempt_at"]),
                )
                for row in rows
            ]

    def finish(self, finished: list[Finished], *, owner: str) -> set[int]:
        # The owner's lease, even run out, as long as no one else has taken it since: the
        # attempt was made, and is recorded rather than made again.
        if not finished:
            return set()
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one statement for the lot
                owned = {int(i): sid for i, sid in conn.execute(finishing_all(finished, owner))}
            else:
                owned = {}
                for one in finished:
                    subscription_id = conn.execute(finishing(one, owner)).scalar_one_or_none()
                    if subscription_id is not None:
                        owned[one.delivery_id] = subscription_id
            attempts = [
                {
                    "delivery_id": one.delivery_id,
                    "subscription_id": owned[one.delivery_id],
                    "at": one.at,
                    "status_code": one.result.status,
                    "duration_ms": one.result.duration_ms,
                    "response": one.result.response[:MAX_RESPONSE_CHARS],
                    "error": one.result.error[:MAX_RESPONSE_CHARS],
                    "outcome": outcome_of(one),
                }
                for one in finished
                if one.delivery_id in owned
            ]
            if attempts:
                conn.execute(a.insert(), attempts)
        return set(owned)

    def release(self, delivery_ids: list[int], *, owner: str) -> int:
        if not delivery_ids:
            return 0
        giving_back = (
            d.update()
            .where(
                d.c.delivery_id.in_(delivery_ids),
                d.c.leased_by == owner,
                d.c.status == PENDING,
            )
            .values(leased_by=None, leased_until=None)
        )
        with self.engine.begin() as conn:
            return int(conn.execute(giving_back).rowcount)

    def last_success(self, subscription_id: UUID) -> datetime | None:
        query = select(func.max(a.c.at)).where(
            a.c.subscription_id == subscription_id, a.c.outcome == DELIVERED
        )
        with self.engine.connect() as conn:
            return _utc_or_none(conn.execute(query).scalar_one_or_none())

    def attempts(self, subscription_id: UUID, *, limit: int) -> list[AttemptRecord]:
        query = (
            select(a, m.c.message_id, m.c.type)
            .join(d, d.c.delivery_id == a.c.delivery_id)
            .join(m, m.c.position == d.c.position)
            .where(a.c.subscription_id == subscription_id)
            .order_by(a.c.at.desc(), a.c.attempt_id.desc())
            .limit(_bounded(limit))
        )
        with self.engine.connect() as conn:
            return [
                AttemptRecord(
                    delivery_id=int(row["delivery_id"]),
                    message_id=str(row["message_id"]),
                    type=str(row["type"]),
                    at=_utc(row["at"]),
                    status=row["status_code"],
                    duration_ms=int(row["duration_ms"]),
                    response=str(row["response"]),
                    error=str(row["error"]),
                    outcome=str(row["outcome"]),
                )
                for row in conn.execute(query).mappings()
            ]

    def replay_size(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        query = (
            select(func.count())
            .select_from(m.join(st, and_(st.c.tenant == m.c.tenant, st.c.type == m.c.type)))
            .where(
                st.c.subscription_id == subscription_id,
                m.c.occurred_at >= since,
                m.c.occurred_at < until,
            )
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def replay(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        statement = queue_deliveries(
            self.clock(),
            m.c.occurred_at >= since,
            m.c.occurred_at < until,
            subscription=subscription_id,
        )
        with self.engine.begin() as conn:
            take_turn(conn)  # not while ``prune`` deletes messages it would refer to
            return int(conn.execute(statement).rowcount)

    def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        return delete_older(self.engine, before, batch=batch, now=self.clock())

    def ping(self, subscription_id: UUID, message: Message) -> int:
        """The message is stored (its id is the caller's) but fans out to no one else, and the
        feed leaves it out (a ping is not an event)."""
        with self.engine.begin() as conn:
            take_turn(conn)
            position = conn.execute(
                m.insert()
                .values(
                    message_id=message.message_id,
                    tenant=message.tenant,
                    type=message.type,
                    subject=message.subject,
                    occurred_at=message.occurred_at,
                    data=message.data,
                )
                .returning(m.c.position)
            ).scalar_one()
            now = self.clock()
            delivery = d.insert().values(
                subscription_id=subscription_id,
                position=position,
                message_id=message.message_id,
                subject=message.subject,
                status=PENDING,
                attempts=0,
                next_attempt_at=min(message.occurred_at, now),
                created_at=now,
            )
            return int(conn.execute(delivery.returning(d.c.delivery_id)).scalar_one())

    def feed(self, tenant: str, *, after: int, limit: int) -> list[Message]:
        query = (
            select(*_message_columns())
            .where(m.c.tenant == tenant, m.c.position > after, m.c.type != PING)
            .order_by(m.c.position)
            .limit(_bounded(limit))
        )
        with self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query).mappings()]


def _message_columns() -> list[Any]:
    return [
        m.c.position.label("m_position"),
        m.c.message_id.label("m_message_id"),
        m.c.tenant.label("m_tenant"),
        m.c.type.label("m_type"),
        m.c.subject.label("m_subject"),
        m.c.occurred_at.label("m_occurred_at"),
        m.c.data.label("m_data"),
    ]


def _message(row: Any) -> Message:
    return Message(
        position=int(row["m_position"]),
        message_id=str(row["m_message_id"]),
        tenant=str(row["m_tenant"]),
        type=str(row["m_type"]),
        subject=str(row["m_subject"]),
        occurred_at=_utc(row["m_occurred_at"]),
        data=dict(row["m_data"]),
    )


def _bounded(limit: int) -> int:
    return max(0, min(limit, MAX_ROWS))


def _utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)
