"""Pruning the webhooks' history (``WebhookQueue.prune``, ``academy-video webhooks prune``) on
SQLite and PostgreSQL: what is finished and old goes, in batches; a pending delivery and its
message stay, however old, while someone may send it (a deleted subscription's go at once, a
disabled one's after the days kept); a message a recent delivery refers to (a replay's) stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, inspect

from academy_video.adapters.cli import main as cli
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.webhook_tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_messages,
    webhook_subscription_types,
    webhook_subscriptions,
)
from academy_video.adapters.sql.webhooks import SqlWebhookQueue
from academy_video.app.ports.webhooks import Finished
from academy_video.app.webhooks.retention import prune_history
from academy_video.domain.webhook_catalogue import PublicEvent
from academy_video.domain.webhook_retention import DEFAULT_KEEP_DAYS
from tests.fakes.clock_and_ids import FakeClock

from .conftest import Deployment
from .test_playback_event_migration import downgrade
from .test_read_models import engine_of, rows
from .test_webhook_queue import DOWN, NOW, OK, setup, uploaded
from .webhook_standins import publish, subscribe

BEFORE = NOW - timedelta(days=DEFAULT_KEEP_DAYS)
OLD = BEFORE - timedelta(days=5)
RECENT = NOW - timedelta(days=1)
FAILED_FOR_GOOD, DUE_AGAIN, DELIVERED = "failed", "retrying", "delivered"


def attempt(queue: SqlWebhookQueue, engine: Engine, video: int, at: datetime, outcome: str) -> None:
    """One attempt at the pending delivery about ``video``, ending as ``outcome``."""
    due = queue.lease(owner="w", now=at, until=at + timedelta(minutes=1), limit=100)
    [one] = [d for d in due if d.message.subject == f"video:{video}"]
    result = OK if outcome == DELIVERED else DOWN
    again = at + timedelta(minutes=5) if outcome == DUE_AGAIN else None
    finished = Finished(one.delivery_id, result, at, again, outcome == DELIVERED)
    assert queue.finish([finished], owner="w") == {one.delivery_id}
    # Free what else was leased, for the next call.
    with engine.begin() as conn:
        conn.execute(webhook_deliveries.update().values(leased_by=None, leased_until=None))


def subjects(engine: Engine, table: Any) -> list[str]:
    positions = {m["position"]: m["subject"] for m in rows(engine, webhook_messages)}
    return sorted(positions[r["position"]] for r in rows(engine, table))


def attempted(engine: Engine) -> list[str]:
    """The subjects of the deliveries whose attempts are kept."""
    positions = {m["position"]: m["subject"] for m in rows(engine, webhook_messages)}
    deliveries = {d["delivery_id"]: d["position"] for d in rows(engine, webhook_deliveries)}
    return sorted(positions[deliveries[a["delivery_id"]]] for a in rows(engine, webhook_attempts))


def test_old_finished_history_goes_and_what_is_still_needed_stays(
    deployment: Deployment,
) -> None:
    engine, queue = setup(deployment)
    hook = subscribe(engine, "demo", ["video.uploaded"], at=OLD)
    # Long ago: 1 delivered, 2 given up, 3 still retrying (its delivery pending), 4 delivered
    # then replayed lately; 6 for no subscription (the feed's only). Lately: 5 delivered.
    publish(engine, *(uploaded(v, at=OLD) for v in (1, 2, 3, 4)), now=OLD)
    attempt(queue, engine, 1, OLD, DELIVERED)
    attempt(queue, engine, 2, OLD, FAILED_FOR_GOOD)
    attempt(queue, engine, 3, OLD, DUE_AGAIN)
    attempt(queue, engine, 4, OLD, DELIVERED)
    publish(engine, uploaded(6, tenant="nobody", at=OLD), now=OLD)
    assert queue.replay(hook, since=OLD, until=OLD + timedelta(seconds=1)) == 4
    with engine.begin() as conn:  # the replay's others, not the point here, are done
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.created_at == NOW)
            .values(status="delivered", finished_at=RECENT)
        )
    publish(engine, uploaded(5, at=RECENT), now=RECENT)
    attempt(queue, engine, 5, RECENT, DELIVERED)
    before_counts = {t.name: len(rows(engine, t)) for t in (webhook_messages, webhook_deliveries)}
    assert before_counts == {"webhook_messages": 6, "webhook_deliveries": 9}

    # Batches of two: several transactions for each table.
    removed = queue.prune(BEFORE, batch=2)

    assert subjects(engine, webhook_deliveries) == [
        "video:1",  # the replay's, finished lately
        "video:2",
        "video:3",
        "video:3",  # the old one, pending (and the replay's)
        "video:4",
        "video:5",
    ]
    assert [d["status"] for d in rows(engine, webhook_deliveries)].count("pending") == 1
    assert sorted(m["subject"] for m in rows(engine, webhook_messages)) == [
        "video:1",
        "video:2",
        "video:3",
        "video:4",
        "video:5",
    ]  # 6 went: nothing refers to it; the others' recent (or pending) deliveries keep them
    assert attempted(engine) == ["video:3", "video:5"]  # the pending one's, and the recent
    # Deliveries 1, 2 and 4 of long ago, their three attempts, and message 6.
    assert removed == 3 + 3 + 1
    assert queue.prune(BEFORE) == 0


def test_an_old_pending_delivery_keeps_its_message_until_it_is_done(
    deployment: Deployment,
) -> None:
    engine, queue = setup(deployment)
    subscribe(engine, "demo", ["video.uploaded"], at=OLD)
    publish(engine, uploaded(1, at=OLD), now=OLD)
    attempt(queue, engine, 1, OLD, DUE_AGAIN)
    assert queue.prune(NOW) == 0  # everything is older than "now": still nothing goes
    assert len(rows(engine, webhook_messages)) == 1
    attempt(queue, engine, 1, RECENT, DELIVERED)
    assert queue.prune(RECENT) == 0  # finished at RECENT, not before it
    assert queue.prune(NOW) == 1 + 2 + 1  # the delivery, its two attempts, its message
    assert rows(engine, webhook_messages) == []


def test_prune_history_keeps_the_days_it_is_told(deployment: Deployment) -> None:
    engine, queue = setup(deployment)
    publish(engine, uploaded(1, tenant="nobody", at=OLD), uploaded(2, at=RECENT), now=RECENT)
    assert prune_history(queue, FakeClock(NOW), DEFAULT_KEEP_DAYS) == 1
    assert [m["subject"] for m in rows(engine, webhook_messages)] == ["video:2"]


def test_the_prune_command(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = engine_of(deployment.start())
    publish(engine, uploaded(1, at=datetime(2000, 1, 1, tzinfo=NOW.tzinfo)), now=OLD)
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    assert cli(["webhooks", "prune", "--keep-days", "31"]) == 2  # within the replay's window
    assert "--keep-days" in capsys.readouterr().err
    assert len(rows(engine, webhook_messages)) == 1
    assert cli(["webhooks", "prune"]) == 0
    assert "1 rows older than 35 days pruned" in capsys.readouterr().out
    assert rows(engine, webhook_messages) == []


def test_the_upgrade_to_0008_adds_the_pruning_indexes(deployment: Deployment) -> None:
    engine = engine_of(deployment.start())

    def indexes() -> set[str]:
        found = inspect(engine)
        return {
            str(i["name"])
            for table in ("webhook_messages", "webhook_deliveries", "webhook_attempts")
            for i in found.get_indexes(table)
        }

    added = {
        "ix_webhook_deliveries_finished_at",
        "ix_webhook_deliveries_position",
        "ix_webhook_attempts_delivery_id",
        "ix_webhook_messages_occurred_at",
    }
    assert added <= indexes()
    downgrade(engine, "0007")
    assert not added & indexes()
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert added <= indexes()


def unsubscribe(engine: Engine, subscription: UUID) -> None:
    """A deleted subscription's rows go, as ``project_webhook`` removes them."""
    with engine.begin() as conn:
        conn.execute(
            webhook_subscriptions.delete().where(
                webhook_subscriptions.c.aggregate_id == subscription
            )
        )
        conn.execute(
            webhook_subscription_types.delete().where(
                webhook_subscription_types.c.subscription_id == subscription
            )
        )


def pending_of(engine: Engine, subscription: UUID) -> list[str]:
    positions = {m["position"]: m["subject"] for m in rows(engine, webhook_messages)}
    return sorted(
        positions[r["position"]]
        for r in rows(engine, webhook_deliveries)
        if r["subscription_id"] == subscription and r["status"] == "pending"
    )


def test_a_deleted_subscriptions_pending_deliveries_go_whatever_their_age(
    deployment: Deployment,
) -> None:
    engine, queue = setup(deployment)
    gone = subscribe(engine, "demo", ["video.uploaded"], at=OLD)
    kept = subscribe(engine, "demo", ["video.ready"], at=OLD)
    # Its receiver failed: 1 long ago, 2 lately (each retrying); 3 queued a minute ago.
    publish(engine, uploaded(1, at=OLD), now=OLD)
    attempt(queue, engine, 1, OLD, DUE_AGAIN)
    publish(engine, uploaded(2, at=RECENT), now=RECENT)
    attempt(queue, engine, 2, RECENT, DUE_AGAIN)
    publish(engine, uploaded(3, at=NOW), ready(9, at=OLD), now=NOW)
    # A delivery process leased 3 just before the delete: in flight, it stays for now.
    leased = queue.lease(owner="w", now=NOW, until=NOW + timedelta(minutes=1), limit=100)
    [flying] = [d for d in leased if d.message.subject == "video:3"]
    with engine.begin() as conn:  # (the others leased with it given back)
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.delivery_id != flying.delivery_id)
            .values(leased_by=None, leased_until=None)
        )
    unsubscribe(engine, gone)  # the tenant's admin deleted it

    removed = queue.prune(BEFORE, batch=1)  # one row a transaction: several for each

    assert pending_of(engine, gone) == ["video:3"]
    assert pending_of(engine, kept) == ["video:9"]  # another's, however old, stays
    assert attempted(engine) == []  # 1's and 2's attempts went with them
    # Deliveries 1 and 2, their attempts, and message 1 (old, nothing refers to it now).
    assert removed == 2 + 2 + 1
    assert sorted(m["subject"] for m in rows(engine, webhook_messages)) == [
        "video:2",  # recent: kept, as every recent message, for the feed and replays
        "video:3",
        "video:9",
    ]
    # Once its lease has run out, the one in flight goes too.
    later = SqlWebhookQueue(engine, clock=lambda: NOW + timedelta(minutes=2))
    assert later.prune(BEFORE) == 1
    assert flying.delivery_id not in {d["delivery_id"] for d in rows(engine, webhook_deliveries)}
    assert pending_of(engine, gone) == []


def test_a_disabled_subscription_keeps_its_pending_deliveries_for_the_days_kept(
    deployment: Deployment,
) -> None:
    engine, queue = setup(deployment)
    hook = subscribe(engine, "demo", ["video.uploaded"], at=OLD)
    publish(engine, uploaded(1, at=OLD), now=OLD)
    attempt(queue, engine, 1, OLD, DUE_AGAIN)
    publish(engine, uploaded(2, at=RECENT), now=RECENT)
    switch(engine, hook, enabled=False)  # failing for good, or an admin's choice

    # Queued before the days kept: gone, with its attempt and (old) message; 2 stays.
    assert queue.prune(BEFORE) == 1 + 1 + 1
    assert pending_of(engine, hook) == ["video:2"]
    assert queue.prune(BEFORE) == 0
    # Enabled again, what was kept is sent.
    switch(engine, hook, enabled=True)
    due = queue.lease(owner="w", now=NOW, until=NOW + timedelta(minutes=1), limit=100)
    assert [d.message.subject for d in due] == ["video:2"]


def test_an_enabled_subscriptions_old_pending_delivery_stays(deployment: Deployment) -> None:
    engine, queue = setup(deployment)
    hook = subscribe(engine, "demo", ["video.uploaded"], at=OLD)
    publish(engine, uploaded(1, at=OLD), now=OLD)  # waiting behind a receiver down for weeks
    assert queue.prune(BEFORE) == 0
    assert pending_of(engine, hook) == ["video:1"]


def ready(video: int, *, at: datetime) -> PublicEvent:
    return PublicEvent("video.ready", "demo", f"video:{video}", at, {"video_id": video})


def switch(engine: Engine, subscription: UUID, *, enabled: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            webhook_subscriptions.update()
            .where(webhook_subscriptions.c.aggregate_id == subscription)
            .values(enabled=enabled)
        )
