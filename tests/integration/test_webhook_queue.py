"""The webhooks' delivery queue, feed and secrets in SQL (``adapters/sql/webhooks.py``), on
SQLite and PostgreSQL. Subscriptions are written straight into their projected tables
(``webhook_standins.subscribe``): the domain aggregate is built beside this part."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Engine

from academy_video.adapters.sql.webhook_tables import webhook_attempts, webhook_deliveries
from academy_video.adapters.sql.webhooks import MAX_ROWS, SqlWebhookQueue, SqlWebhookSecrets
from academy_video.app.ports.webhooks import MAX_RESPONSE_CHARS, DeliveryResult, Finished, Message
from academy_video.domain.webhook_catalogue import PING, PublicEvent

from .conftest import Deployment
from .test_read_models import engine_of, rows
from .webhook_standins import publish, subscribe

NOW = datetime(2026, 1, 1, 9, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
OK = DeliveryResult(status=204, duration_ms=12)
DOWN = DeliveryResult(status=503, duration_ms=40, response="busy")


def uploaded(video: int, *, tenant: str = "demo", at: datetime = NOW) -> PublicEvent:
    return PublicEvent("video.uploaded", tenant, f"video:{video}", at, {"video_id": video})


def setup(deployment: Deployment) -> tuple[Engine, SqlWebhookQueue]:
    engine = engine_of(deployment.start())
    return engine, SqlWebhookQueue(engine, clock=lambda: NOW)


def subscribed(deployment: Deployment) -> tuple[Engine, SqlWebhookQueue, UUID]:
    """A queue, and one subscription: tenant demo's to ``video.uploaded``."""
    engine, queue = setup(deployment)
    return engine, queue, subscribe(engine, "demo", ["video.uploaded"], at=NOW)


def leased(queue: SqlWebhookQueue, owner: str, *, now: datetime = NOW) -> list[str]:
    due = queue.lease(owner=owner, now=now, until=now + timedelta(seconds=30), limit=10)
    return [f"{d.message.subject}#{d.message.position}" for d in due]


def finish_one(
    queue: SqlWebhookQueue,
    delivery_id: int,
    *,
    owner: str,
    result: DeliveryResult,
    at: datetime,
    retry_at: datetime | None = None,
) -> bool:
    """Record one attempt of a leased delivery, as the delivery process does: delivered on a
    2xx, else due again at ``retry_at`` (without one, failed for good); whether it was taken."""
    delivered = result.status is not None and 200 <= result.status < 300
    done = Finished(delivery_id, result, at, None if delivered else retry_at, delivered)
    return queue.finish([done], owner=owner) == {delivery_id}


def test_one_subjects_deliveries_are_leased_in_order(deployment: Deployment) -> None:
    engine, queue, _ = subscribed(deployment)
    publish(engine, uploaded(1), uploaded(1), uploaded(2), now=NOW)

    # The second delivery about video 1 waits for the first, leased or not.
    assert leased(queue, "a") == ["video:1#1", "video:2#3"]
    assert leased(queue, "b") == []
    [first] = [d for d in rows(engine, webhook_deliveries) if d["position"] == 1]
    assert finish_one(queue, first["delivery_id"], owner="a", result=DOWN, at=NOW, retry_at=LATER)
    assert leased(queue, "b") == []  # still pending: due again later, and still first
    # a's lease of video 2 ran out meanwhile: it is due again too.
    assert leased(queue, "b", now=LATER) == ["video:1#1", "video:2#3"]
    assert finish_one(queue, first["delivery_id"], owner="b", result=OK, at=LATER)
    assert leased(queue, "c", now=LATER) == ["video:1#2"]


def test_concurrent_leasers_never_get_the_same_delivery(deployment: Deployment) -> None:
    engine, queue, _ = subscribed(deployment)
    publish(engine, *(uploaded(n) for n in range(20)), now=NOW)
    got: list[int] = []
    barrier = threading.Barrier(8)

    def lease(worker: int) -> None:
        barrier.wait()
        due = queue.lease(owner=f"w{worker}", now=NOW, until=LATER, limit=3)
        got.extend(d.delivery_id for d in due)

    threads = [threading.Thread(target=lease, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == len(set(got))
    rest = queue.lease(owner="last", now=NOW, until=LATER, limit=20)
    assert sorted(got + [d.delivery_id for d in rest]) == sorted(
        r["delivery_id"] for r in rows(engine, webhook_deliveries)
    )
    assert len(got) + len(rest) == 20


def test_an_expired_lease_is_leased_again_and_its_old_owner_is_refused(
    deployment: Deployment,
) -> None:
    engine, queue, _ = subscribed(deployment)
    publish(engine, uploaded(1), now=NOW)
    [due] = queue.lease(owner="a", now=NOW, until=NOW + timedelta(seconds=30), limit=5)
    assert queue.lease(owner="b", now=NOW + timedelta(seconds=29), until=LATER, limit=5) == []
    [again] = queue.lease(owner="b", now=NOW + timedelta(seconds=30), until=LATER, limit=5)
    assert again.delivery_id == due.delivery_id

    assert not finish_one(queue, due.delivery_id, owner="a", result=OK, at=LATER)
    [row] = rows(engine, webhook_deliveries)
    assert (row["status"], row["attempts"], row["leased_by"]) == ("pending", 0, "b")
    assert rows(engine, webhook_attempts) == []


def test_finishing_records_the_attempt_and_frees_the_lease(deployment: Deployment) -> None:
    engine, queue, hook = subscribed(deployment)
    publish(engine, uploaded(1), uploaded(2), now=NOW)
    first, second = queue.lease(owner="a", now=NOW, until=LATER, limit=5)
    assert (first.url, first.attempt, first.first_attempt_at) == (
        f"https://hooks.example/{hook}",
        0,
        None,
    )
    assert first.message.data == {"video_id": 1} and first.message.occurred_at == NOW

    huge = DeliveryResult(status=500, duration_ms=3, response="x" * 5000, error="e" * 5000)
    assert finish_one(queue, first.delivery_id, owner="a", result=huge, at=NOW, retry_at=LATER)
    assert finish_one(queue, second.delivery_id, owner="a", result=OK, at=NOW)
    [again] = queue.lease(owner="b", now=LATER, until=LATER + timedelta(seconds=30), limit=5)
    assert (again.attempt, again.first_attempt_at) == (1, NOW)
    dropped = DeliveryResult(status=None, duration_ms=10_000, error="timeout")
    end = LATER + timedelta(seconds=1)
    assert finish_one(queue, again.delivery_id, owner="b", result=dropped, at=end)

    statuses = {
        r["delivery_id"]: (r["status"], r["attempts"]) for r in rows(engine, webhook_deliveries)
    }
    assert statuses == {first.delivery_id: ("failed", 2), second.delivery_id: ("delivered", 1)}
    assert all(r["leased_by"] is None for r in rows(engine, webhook_deliveries))
    log = queue.attempts(hook, limit=10)
    assert [(r.delivery_id, r.outcome, r.status) for r in log] == [
        (first.delivery_id, "failed", None),
        (second.delivery_id, "delivered", 204),
        (first.delivery_id, "retrying", 500),
    ]  # most recent first; of two at the same time, the one recorded last
    assert log[0].at == end and log[0].error == "timeout" and log[0].type == "video.uploaded"
    assert log[0].message_id == first.message.message_id
    cut = next(r for r in log if r.status == 500)
    assert len(cut.response) == MAX_RESPONSE_CHARS and len(cut.error) == MAX_RESPONSE_CHARS
    assert [r.outcome for r in queue.attempts(hook, limit=1)] == ["failed"]
    assert queue.last_success(hook) == NOW
    assert queue.last_success(subscribe(engine, "demo", [], at=NOW)) is None


def test_a_disabled_subscription_is_not_leased_nor_fanned_out_to(deployment: Deployment) -> None:
    engine, queue = setup(deployment)
    off = subscribe(engine, "demo", ["video.uploaded"], enabled=False, at=NOW)
    on = subscribe(engine, "demo", ["video.uploaded"], at=NOW)
    assert publish(engine, uploaded(1), now=NOW) == 1
    assert queue.replay(off, since=NOW, until=LATER) == 1  # queued, waits until enabled
    assert [d.subscription_id for d in queue.lease(owner="a", now=NOW, until=LATER, limit=9)] == [
        on
    ]


def test_replay_queues_the_range_of_the_subscriptions_tenant_and_types(
    deployment: Deployment,
) -> None:
    engine, queue, hook = subscribed(deployment)
    times = [NOW + timedelta(minutes=n) for n in range(4)]
    publish(engine, *(uploaded(n, at=at) for n, at in enumerate(times)), now=times[-1])
    ready = PublicEvent("video.ready", "demo", "video:1", times[1], {})
    publish(engine, ready, uploaded(9, tenant="other", at=times[1]), now=times[-1])

    assert queue.replay(hook, since=times[1], until=times[3]) == 2  # [since, until)
    replayed = [r for r in rows(engine, webhook_deliveries) if r["subscription_id"] == hook]
    assert len(replayed) == 4 + 2
    subjects = sorted(r["subject"] for r in replayed)
    assert subjects == ["video:0", "video:1", "video:1", "video:2", "video:2", "video:3"]
    assert queue.replay(hook, since=times[3], until=times[3]) == 0


def test_a_ping_goes_to_its_subscription_only_and_not_into_the_feed(
    deployment: Deployment,
) -> None:
    engine, queue, hook = subscribed(deployment)
    other = subscribe(engine, "demo", ["video.uploaded", PING], at=NOW)
    ping = Message(0, "msg_ping1", "demo", PING, f"webhook:{hook}", NOW, {"ping": True})
    delivery = queue.ping(hook, ping)
    [due] = queue.lease(owner="a", now=NOW, until=LATER, limit=5)
    assert (due.delivery_id, due.subscription_id, due.message.message_id) == (
        delivery,
        hook,
        "msg_ping1",
    )
    assert due.message.type == PING and due.message.data == {"ping": True}
    assert all(r["subscription_id"] != other for r in rows(engine, webhook_deliveries))
    assert queue.feed("demo", after=0, limit=10) == []


def test_the_feed_pages_by_position_and_shows_a_tenant_only_its_own(
    deployment: Deployment,
) -> None:
    engine, queue = setup(deployment)
    publish(engine, uploaded(1), uploaded(2, tenant="other"), uploaded(3), now=NOW)
    publish(engine, uploaded(4), uploaded(5), now=NOW)

    pages, after = [], 0
    while page := queue.feed("demo", after=after, limit=2):
        pages.append([m.subject for m in page])
        after = page[-1].position
    assert pages == [["video:1", "video:3"], ["video:4", "video:5"]]
    assert [m.subject for m in queue.feed("other", after=0, limit=10)] == ["video:2"]
    assert queue.feed("nobody", after=0, limit=10) == []
    assert queue.feed("demo", after=0, limit=-1) == []
    assert len(queue.feed("demo", after=0, limit=10**9)) == 4  # bounded by MAX_ROWS
    assert MAX_ROWS >= 100


def test_secrets_rotate_with_a_grace_period(deployment: Deployment) -> None:
    secrets = SqlWebhookSecrets(engine_of(deployment.start()))
    hook, other = UUID(int=1), UUID(int=2)
    secrets.add(hook, "whsec_one", now=NOW)
    secrets.add(other, "whsec_other", now=NOW)
    assert secrets.valid(hook, now=NOW) == ["whsec_one"]

    grace = NOW + timedelta(hours=24)
    secrets.rotate(hook, "whsec_two", now=NOW, old_valid_until=grace)
    assert secrets.valid(hook, now=NOW) == ["whsec_two", "whsec_one"]
    assert secrets.valid(hook, now=grace) == ["whsec_two"]
    # A rotation within the grace period: only the current one stays valid beside the new
    # (never more than two signatures), until the new grace at the latest.
    secrets.rotate(hook, "whsec_three", now=NOW, old_valid_until=NOW + timedelta(hours=1))
    assert secrets.valid(hook, now=NOW) == ["whsec_three", "whsec_two"]
    assert secrets.valid(hook, now=NOW + timedelta(hours=1)) == ["whsec_three"]
    secrets.drop(hook)
    assert secrets.valid(hook, now=NOW) == []
    assert secrets.valid(other, now=grace) == ["whsec_other"]


def test_several_attempts_are_finished_together_and_another_owners_are_left(
    deployment: Deployment,
) -> None:
    engine, queue, _ = subscribed(deployment)
    publish(engine, uploaded(1), uploaded(2), uploaded(3), now=NOW)
    first, second, third = queue.lease(owner="a", now=NOW, until=NOW, limit=5)
    [taken] = queue.lease(owner="b", now=LATER, until=LATER, limit=1)  # a's ran out
    done = [Finished(d.delivery_id, OK, LATER, None, True) for d in (first, second, third)]
    recorded = queue.finish(done, owner="a")
    assert recorded == {first.delivery_id, second.delivery_id, third.delivery_id} - {
        taken.delivery_id
    }
    assert len(rows(engine, webhook_attempts)) == 2


def test_a_failed_statement_never_shows_its_values(tmp_path: Path) -> None:
    """What a failed statement says is logged (``adapters/http/errors.py``): a secret it carried
    must not be in it."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from academy_video.adapters.sql.engine import sqlite_engine

    engine = sqlite_engine(tmp_path / "x.sqlite3")
    with pytest.raises(OperationalError) as failed, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO missing (secret) VALUES (:secret)"), {"secret": "whsec_AAAA"}
        )
    assert "whsec_AAAA" not in str(failed.value)
    engine.dispose()


def test_given_back_deliveries_are_due_at_once_for_anyone_but_only_by_their_holder(
    deployment: Deployment,
) -> None:
    engine, queue, _ = subscribed(deployment)
    publish(engine, uploaded(1), uploaded(2), now=NOW)
    ids = [d.delivery_id for d in queue.lease(owner="a", now=NOW, until=LATER, limit=10)]
    assert len(ids) == 2
    assert queue.release(ids, owner="b") == 0  # not b's to give back
    assert leased(queue, "b") == []
    assert queue.release(ids, owner="a") == 2
    assert leased(queue, "b") == ["video:1#1", "video:2#2"]  # before a's lease would have run out
    assert queue.release([], owner="b") == 0
    [one] = [d for d in rows(engine, webhook_deliveries) if d["delivery_id"] == ids[0]]
    assert one["attempts"] == 0 and one["status"] == "pending"


def test_a_lease_takes_the_tenants_in_turn_and_skips_those_asked(deployment: Deployment) -> None:
    engine, queue, _ = subscribed(deployment)
    subscribe(engine, "other", ["video.uploaded"], at=NOW)
    # Tenant demo's thousand-strong backlog first, then another tenant's two.
    publish(engine, *(uploaded(n) for n in range(1, 11)), now=NOW)
    publish(engine, uploaded(11, tenant="other"), uploaded(12, tenant="other"), now=NOW)
    due = queue.lease(owner="a", now=NOW, until=LATER, limit=4)
    # Two of each (given back in the log's order), not demo's first four.
    assert [(d.message.tenant, d.message.subject) for d in due] == [
        ("demo", "video:1"),
        ("demo", "video:2"),
        ("other", "video:11"),
        ("other", "video:12"),
    ]
    demo = frozenset({"demo"})
    skipped = queue.lease(owner="b", now=NOW, until=LATER, limit=4, skip_tenants=demo)
    assert skipped == []  # the other tenant's are all leased already
    assert [d.message.subject for d in queue.lease(owner="b", now=NOW, until=LATER, limit=2)] == [
        "video:3",
        "video:4",
    ]
