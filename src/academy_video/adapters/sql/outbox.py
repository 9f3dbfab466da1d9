"""The webhooks' outbox, written by the projector: each stored event's public events
(``domain/webhook_catalogue.py``) become ``webhook_messages`` rows, and each new message one
pending delivery per subscription that wants it, in the transaction that moves the projector's
position, so each event is enqueued exactly once.

- Once: a message's id is made from (Application, notification id, type), and a message whose
  id is already stored is not inserted again, nor delivered again (only the messages a batch
  really inserted fan out). A rebuild enqueues only what was not projected before it
  began (``rebuild.py``).
- In order: on PostgreSQL the writers of messages take turns (a transaction-scoped advisory
  lock held until commit), so positions are numbered in commit order and a feed reader past
  position N never finds a message below N committed later. SQLite has one writer anyway.
- Set-based: one INSERT of the messages and one INSERT … SELECT of their deliveries a batch.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, bindparam, case, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from academy_video.domain import webhook_catalogue

from .webhook_tables import webhook_deliveries as d
from .webhook_tables import webhook_messages as m
from .webhook_tables import webhook_subscription_types as st
from .webhook_tables import webhook_subscriptions as s

OUTBOX_LOCK = 0x77686F6B  # any fixed number; "whok"
PENDING = "pending"


def message_id(app_name: str, notification_id: int, kind: str) -> str:
    """``msg_`` and 26 base32 characters of a hash of where the message comes from: the same in
    every process and every replay of the log."""
    digest = hashlib.blake2b(f"{app_name}:{notification_id}:{kind}".encode(), digest_size=20)
    return "msg_" + base64.b32encode(digest.digest()).decode().lower()[:26]


def message_rows(
    app_name: str, notification_id: int, event: object, state: object
) -> list[dict[str, Any]]:
    """The ``webhook_messages`` rows of one stored event (most events have none)."""
    rows, seen = [], Counter[str]()
    for public in webhook_catalogue.public_events(app_name, event, state):
        # A second public event of one type from one event gets an id of its own.
        seen[public.type] += 1
        extra = f":{seen[public.type] - 1}" if seen[public.type] > 1 else ""
        rows.append(
            {
                "message_id": message_id(app_name, notification_id, public.type + extra),
                "tenant": public.tenant,
                "type": public.type,
                "subject": public.subject,
                "occurred_at": public.occurred_at,
                "data": public.data,
            }
        )
    return rows


def take_turn(conn: Connection) -> None:
    """Wait for the other writers of messages to commit (PostgreSQL; SQLite's writer lock is
    already held), so the positions this transaction takes are larger than every committed
    one and smaller than every later one."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK})


def enqueue(conn: Connection, rows: list[dict[str, Any]], *, now: datetime) -> int:
    """Insert the messages not stored yet and queue their deliveries; how many deliveries."""
    if not rows:
        return 0
    take_turn(conn)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(m)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(m.c.position)
    )
    positions = [int(p) for p in conn.execute(statement, rows).scalars()]
    if not positions:
        return 0
    queued = conn.execute(
        queue_deliveries(now, m.c.position.in_(bindparam("positions", expanding=True))),
        {"positions": positions},
    )
    return int(queued.rowcount)


def queue_deliveries(now: datetime, *where: Any, subscription: UUID | None = None) -> Any:
    """``INSERT … SELECT``: a pending delivery of each message matching ``where`` to each
    subscription of its tenant and type (only ``subscription`` if given; else the enabled
    ones), due now, or when the message occurred if that was earlier: due at once whatever the
    clock of the process that leases (the use cases' clock need not be this process's)."""
    wanted = (
        select(
            st.c.subscription_id,
            m.c.position,
            m.c.message_id,
            m.c.subject,
            literal(PENDING),
            literal(0),
            case((m.c.occurred_at < now, m.c.occurred_at), else_=now),
            literal(now, d.c.created_at.type),
        )
        .select_from(
            m.join(st, and_(st.c.tenant == m.c.tenant, st.c.type == m.c.type)).join(
                s, s.c.aggregate_id == st.c.subscription_id
            )
        )
        .where(
            *where,
            s.c.enabled.is_(True) if subscription is None else s.c.aggregate_id == subscription,
        )
    )
    columns = ["subscription_id", "position", "message_id", "subject", "status", "attempts"]
    statement = insert(d).from_select([*columns, "next_attempt_at", "created_at"], wanted)
    return statement.execution_options(preserve_rowcount=True)  # kept for UPDATE/DELETE only
