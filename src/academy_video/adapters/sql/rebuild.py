"""Rebuilding the read models from the logs (``Projector.rebuild``; ``projections rebuild``,
and ``verify.py`` into a scratch copy): every projected table emptied and every log replayed
in the caller's one transaction, so readers see the old rows until it commits.

The outbox and a rebuild: what was projected before it began is not enqueued again (what was
sent is not sent again), but the events past the old positions (the projection's lag when the
rebuild began) are news the outbox has not had yet, so they are enqueued as they are applied;
the subscriptions' log is replayed first, so that what is enqueued fans out to them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, func, select, text

from academy_video.app.applications import EventSourcedApp

from . import tables as t
from .audit_chain import Sealer
from .tracking import start_tracking, tracked_positions

SUBSCRIPTIONS_LOG = "Webhooks"  # replayed first: the outbox fans out to its subscriptions


class ApplyBatch(Protocol):
    """The projector's one step: write a batch's rows and position in
    ``conn`` (and with ``outbox`` its public events); the aggregates it touched, and how many
    deliveries it queued."""

    def __call__(
        self,
        conn: Connection,
        app_name: str,
        notifications: Sequence[Notification],
        *,
        outbox: bool = True,
    ) -> tuple[list[Any], int]: ...


Touched = list[tuple[str, list[Any]]]  # per batch applied: its log and the aggregates it touched


def rebuild_projections(
    conn: Connection,
    apps: Mapping[str, EventSourcedApp],
    apply: ApplyBatch,
    *,
    batch_size: int,
    up_to: Mapping[str, int] | None = None,
    sealer: Sealer | None = None,
) -> tuple[int, Touched]:
    """Empty the projected tables and replay ``apps``' logs (each up to its ``up_to``
    position, if given) in ``conn``'s transaction; how many events were applied, and what each
    batch touched. With a ``sealer``, the audit chain is sealed again: the log as it stands."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("LOCK TABLE tracking IN EXCLUSIVE MODE"))
    for table in (*t.PROJECTED, *t.INDEXED):
        conn.execute(table.delete())
    if sealer is not None:
        conn.execute(t.audit_chain.delete())
        sealer.clear()
    enqueued = tracked_positions(conn)  # what the outbox had before, per log
    conn.execute(t.tracking.delete())
    for name in apps:
        conn.execute(start_tracking(conn, name))
    applied, touched = 0, []
    for name in sorted(apps, key=lambda name: name != SUBSCRIPTIONS_LOG):
        last = (up_to or {}).get(name)
        for notifications in _batches(apps[name], batch_size, last):
            seen = enqueued.get(name, 0)
            old = [n for n in notifications if n.id <= seen]
            new = [n for n in notifications if n.id > seen]
            for part, outbox in ((old, False), (new, True)):
                if part:
                    states, _ = apply(conn, name, part, outbox=outbox)
                    touched.append((name, states))
            applied += len(notifications)
    return applied, touched


def _batches(app: EventSourcedApp, size: int, last: int | None) -> Iterator[Sequence[Notification]]:
    """The log from its start (up to ``last``, if given), ``size`` notifications at a time."""
    position = 0
    while last is None or position < last:
        limit = size if last is None else min(size, last - position)
        notifications = app.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False, stop=last
        )
        if not notifications:
            return
        yield notifications
        position = notifications[-1].id


def count_rows(engine: Engine) -> dict[str, int]:
    """Each projected table's rows (what ``projections rebuild`` prints)."""
    with engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in t.PROJECTED
        }
