"""The webhooks' projection and outbox on SQLite and PostgreSQL: subscriptions projected (and
rebuilt) from the Webhooks log; each public event enqueued once, by the projector, across a
re-applied batch and a rebuild; fanned out to the enabled subscriptions of its tenant and
type only; and migration 0007 on a deployment at 0006.

The domain's ``WebhookSubscription`` and catalogue are built beside this part: a stand-in
aggregate with the same state and event names (``webhook_standins.py``) is saved in a real
``Webhooks`` Application, and a stand-in catalogue turns two Video events into public ones."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.engine import postgres_engine
from academy_video.adapters.sql.outbox import enqueue, message_id
from academy_video.adapters.sql.projector import Projector
from academy_video.adapters.sql.verify import verify
from academy_video.adapters.sql.webhook_tables import (
    webhook_deliveries,
    webhook_messages,
    webhook_subscription_types,
    webhook_subscriptions,
)
from academy_video.adapters.sql.webhooks import SqlWebhookQueue
from academy_video.app.applications import EventSourcedApp, event_name
from academy_video.app.persistence import event_store_env
from academy_video.app.webhooks.application import Webhooks
from academy_video.domain import webhook_catalogue
from academy_video.domain.webhook_catalogue import PublicEvent
from tests.unit.app.conftest import World

from .conftest import Deployment
from .databases import fresh_database
from .test_playback_event_migration import downgrade
from .test_read_models import engine_of, rows
from .webhook_standins import VIDEO_TYPES, StandinSubscription, publish, standin_public_events

NOW = datetime(2026, 1, 1, 9, tzinfo=UTC)
OUTBOX = (webhook_messages, webhook_deliveries)


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_catalogue, "public_events", standin_public_events)


@pytest.fixture
def hooks(deployment: Deployment) -> Iterator[Webhooks]:
    """The Webhooks Application on the deployment's event store (the container has four)."""
    app = Webhooks(event_store_env(deployment.settings, "Webhooks"))
    yield app
    app.close()


def projected(world: World, hooks: Webhooks) -> Projector:
    """A projector of the Webhooks log beside the container's, catching up after each save."""
    projector = Projector(engine_of(world.app), [hooks])
    projector.attach()
    return projector


def everything(world: World, hooks: Webhooks) -> list[EventSourcedApp]:
    return [*world.app.applications, hooks]


def create(
    hooks: Webhooks, tenant: str, types: list[str], *, url: str = "https://a.example/hook"
) -> StandinSubscription:
    subscription = StandinSubscription(tenant, url, types, "", at=NOW)
    hooks.save(subscription)
    return subscription


def snapshot(engine: Engine, *tables: Any) -> dict[str, list[str]]:
    return {table.name: sorted(map(repr, rows(engine, table))) for table in tables}


def test_subscriptions_are_projected_rebuilt_and_gone_once_deleted(
    deployment: Deployment, hooks: Webhooks
) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    projected(world, hooks)
    kept = create(hooks, "demo", ["video.uploaded", "video.ready"])
    kept.change(["video.ready"], "ready only")
    kept.rotated(NOW)
    kept.disable("failing", NOW)
    gone = create(hooks, "demo", ["video.uploaded"])
    hooks.save(kept)
    gone.delete()
    hooks.save(gone)

    [row] = rows(engine, webhook_subscriptions)
    assert row["aggregate_id"] == kept.id
    assert (row["tenant"], row["url"], row["description"]) == ("demo", kept.url, "ready only")
    assert (row["enabled"], row["disabled_reason"], row["event_types"]) == (
        False,
        "failing",
        ["video.ready"],
    )
    stamps = (row["created_at"], row["disabled_at"], row["secret_rotated_at"])
    assert {s.replace(tzinfo=None) for s in stamps} == {NOW.replace(tzinfo=None)}
    assert [
        (r["subscription_id"], r["type"]) for r in rows(engine, webhook_subscription_types)
    ] == [(kept.id, "video.ready")]

    before = snapshot(engine, *t.PROJECTED)
    Projector(engine, everything(world, hooks)).rebuild()
    assert snapshot(engine, *t.PROJECTED) == before
    assert verify(engine, everything(world, hooks)) == []


def test_each_public_event_is_enqueued_once_across_a_reapplied_batch_and_a_rebuild(
    deployment: Deployment, hooks: Webhooks, catalogue: None
) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    projected(world, hooks)
    create(hooks, "demo", ["video.uploaded", "video.ready"])
    world.ready_video()

    # Ids from (Application, notification id, type): what any replay of the log makes again.
    [videos] = [app for app in world.app.applications if app.name == "Videos"]
    expected = {
        message_id("Videos", n.id, VIDEO_TYPES[name])
        for n in videos.recorder.select_notifications(start=1, limit=100)
        if (name := event_name(videos.mapper.to_domain_event(n))) in VIDEO_TYPES
    }
    assert {r["message_id"] for r in rows(engine, webhook_messages)} == expected
    assert len(expected) == 2
    assert all(re.fullmatch("msg_[a-z2-7]{26}", id) for id in expected)
    assert len(rows(engine, webhook_deliveries)) == 2
    first = snapshot(engine, *OUTBOX)

    # The same events applied again (a position moved back): nothing is enqueued twice.
    with engine.begin() as conn:
        conn.execute(text("UPDATE tracking SET notification_id = 0"))
    assert world.app.projector is not None
    assert world.app.projector.catch_up("Videos") > 0
    assert snapshot(engine, *OUTBOX) == first

    # A rebuild enqueues nothing, even with the outbox emptied: what was sent is not resent.
    Projector(engine, everything(world, hooks)).rebuild()
    assert snapshot(engine, *OUTBOX) == first
    with engine.begin() as conn:
        conn.execute(webhook_deliveries.delete())
        conn.execute(webhook_messages.delete())
    Projector(engine, everything(world, hooks)).rebuild()
    assert snapshot(engine, *OUTBOX) == {"webhook_messages": [], "webhook_deliveries": []}
    assert verify(engine, everything(world, hooks)) == []


def test_messages_fan_out_to_the_enabled_subscriptions_of_their_tenant_and_type(
    deployment: Deployment, hooks: Webhooks, catalogue: None
) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    projected(world, hooks)
    uploads = create(hooks, "demo", ["video.uploaded"])
    ready = create(hooks, "demo", ["video.ready"])
    off = create(hooks, "demo", ["video.uploaded"])
    off.disable("admin", NOW)
    hooks.save(off)
    elsewhere = create(hooks, "other", ["video.uploaded"])
    deleted = create(hooks, "demo", ["video.uploaded", "video.ready"])
    deleted.delete()
    hooks.save(deleted)

    world.ready_video()
    publish(engine, PublicEvent("video.uploaded", "other", "video:7", NOW, {}), now=NOW)

    def received() -> dict[Any, list[str]]:
        got: dict[Any, list[str]] = {}
        for row in sorted(rows(engine, webhook_deliveries), key=lambda r: r["position"]):
            [message] = rows(engine, webhook_messages, position=row["position"])
            got.setdefault(row["subscription_id"], []).append(
                f"{message['tenant']}:{message['type']}"
            )
        return got

    assert received() == {
        uploads.id: ["demo:video.uploaded"],
        ready.id: ["demo:video.ready"],
        elsewhere.id: ["other:video.uploaded"],
    }
    queue = SqlWebhookQueue(engine)
    assert [m.type for m in queue.feed("demo", after=0, limit=10)] == [
        "video.uploaded",
        "video.ready",
    ]
    assert [m.subject for m in queue.feed("other", after=0, limit=10)] == ["video:7"]

    # Enabled again, it gets what happens from then on (nothing from while it was off).
    off.enable()
    hooks.save(off)
    world.ready_video()
    assert received()[off.id] == ["demo:video.uploaded"]


def test_the_upgrade_from_0006_adds_the_tables_and_sends_no_older_event(
    deployment: Deployment, catalogue: None
) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    projector = world.app.projector
    assert projector is not None
    world.ready_video()
    positions = projector.positions()

    downgrade(engine, "0006")
    names = set(inspect(engine).get_table_names())
    assert not {n for n in names if n.startswith("webhook_")}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head() == "0010"
    assert {table.name for table in (*OUTBOX, webhook_subscriptions)} <= set(
        inspect(engine).get_table_names()
    )
    assert projector.positions() == positions
    projector.catch_up_all()
    assert rows(engine, webhook_messages) == []  # stored before the upgrade: not sent
    world.ready_video()
    assert len(rows(engine, webhook_messages)) == 2


def test_positions_follow_commit_order_so_the_feed_never_skips_a_late_commit() -> None:
    """PostgreSQL: a second writer of messages waits for the first to commit before it takes a
    position (SQLite has one writer at a time anyway)."""
    with fresh_database() as url:
        engine = postgres_engine(url, pool_size=3)
        migrate.upgrade(engine)
        queue = SqlWebhookQueue(engine)
        first = engine.connect()
        first.begin()
        enqueue(first, [message_row("msg_first")], now=NOW)  # not committed yet
        second = threading.Thread(target=publish_one, args=(engine, "msg_second"))
        second.start()
        wait_for_a_lock_wait(engine)
        assert queue.feed("demo", after=0, limit=10) == []
        first.commit()
        first.close()
        second.join()
        assert [m.message_id for m in queue.feed("demo", after=0, limit=10)] == [
            "msg_first",
            "msg_second",
        ]
        engine.dispose()


def message_row(message: str) -> dict[str, Any]:
    return {
        "message_id": message,
        "tenant": "demo",
        "type": "video.ready",
        "subject": "video:1",
        "occurred_at": NOW,
        "data": {},
    }


def publish_one(engine: Engine, message: str) -> None:
    with engine.begin() as conn:
        enqueue(conn, [message_row(message)], now=NOW)


def wait_for_a_lock_wait(engine: Engine) -> None:
    """Until a session of this database waits on a lock (polled, at most 30 s)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while not conn.execute(query).scalar_one():
            assert time.monotonic() < deadline, "the second writer never waited"
            conn.rollback()
            time.sleep(0.01)
