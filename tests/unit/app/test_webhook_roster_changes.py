"""A tenant's creates and deletes of webhook subscriptions are rate-limited (each is an event of
the tenant's roster), and loading the roster reads its latest snapshot and the few events after
it, however many creates and deletes it has seen."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from academy_video.app.errors import RateLimited
from academy_video.app.webhooks.application import ROSTER_SNAPSHOT_EVERY, Webhooks
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.bootstrap import Adapters
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_roster_changes import (
    ROSTER_CHANGES_PER_TENANT_PER_DAY,
    ROSTER_CHANGES_PER_TENANT_PER_HOUR,
)
from academy_video.domain.webhook_subscription import (
    MAX_SUBSCRIPTIONS_PER_TENANT,
    InvalidSubscription,
    TooManySubscriptions,
)
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.container import build_in_memory
from tests.fakes.roster_reads import NoLimits, counting_reads
from tests.fakes.webhooks import in_memory_webhooks
from tests.unit.app.test_webhook_cap import URL, create

PER_HOUR, PER_DAY = ROSTER_CHANGES_PER_TENANT_PER_HOUR, ROSTER_CHANGES_PER_TENANT_PER_DAY


def setup(*, limited: bool = True) -> tuple[WebhookService, Webhooks, FakeClock]:
    clock = FakeClock()
    app = build_in_memory(adapters=Adapters(clock=clock))
    service, _, _ = in_memory_webhooks(app.webhooks, clock, limiter=None if limited else NoLimits())
    return service, app.webhooks, clock


def refused(change: Any) -> int:
    """The seconds a refused create or delete is told to wait."""
    with pytest.raises(RateLimited) as refusal:
        change()
    assert refusal.value.code == "rate_limited"
    assert refusal.value.retry_after is not None
    return refusal.value.retry_after


def cycles(service: WebhookService, changes: int, tenant: str = "daechi") -> UUID | None:
    """``changes`` creates and deletes, alternating; the subscription left, if any."""
    left: UUID | None = None
    for _ in range(changes):
        if left is None:
            left = create(service, tenant)
        else:
            service.delete(tenant, left)
            left = None
    return left


def test_a_tenant_creates_and_deletes_so_many_times_an_hour() -> None:
    service, _, clock = setup()
    left = cycles(service, PER_HOUR - 1)
    assert left is not None
    service.delete("daechi", left)  # the hour's last change: a delete counts as a create
    wait = refused(lambda: create(service))
    assert 0 < wait <= 2 * 3600 + 1
    hook = create(service, "other")  # another tenant's hour is its own
    clock.advance(wait)
    create(service)  # told when, and it was so
    service.delete("other", hook)


def test_a_delete_past_the_hour_is_refused_and_the_subscription_stays() -> None:
    service, _, _ = setup()
    kept = create(service)
    assert cycles(service, PER_HOUR - 1) is not None  # 30 changes, one more left standing
    refused(lambda: service.delete("daechi", kept))
    assert kept in [s.id for s in service.of_tenant("daechi")]


def test_a_tenant_creates_and_deletes_so_many_times_a_day() -> None:
    service, _, clock = setup()
    done = 0
    while done < PER_DAY:
        step = min(PER_HOUR, PER_DAY - done)
        left = cycles(service, step - step % 2)  # whole cycles: nothing left over
        assert left is None
        done += step - step % 2
        clock.advance(2 * 3600)  # both hours' windows empty again
    assert done == PER_DAY
    wait = refused(lambda: create(service))
    assert wait > 2 * 3600 + 1  # the day's window, not the hour's


def test_what_is_refused_for_another_reason_is_not_counted() -> None:
    service, _, _ = setup()
    for _ in range(PER_HOUR + 1):  # a bad field: refused before anything is counted
        with pytest.raises(InvalidSubscription):
            service.create(tenant="daechi", url=URL, event_types=[], description="", enabled=True)
    made = [create(service) for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT)]
    for _ in range(PER_HOUR):  # the cap refuses, and gives the count back
        with pytest.raises(TooManySubscriptions):
            create(service)
    for hook in made[: PER_HOUR - MAX_SUBSCRIPTIONS_PER_TENANT]:
        service.delete("daechi", hook)
    refused(lambda: service.delete("daechi", made[-1]))


def test_loading_the_roster_reads_a_snapshot_and_the_events_after_it() -> None:
    service, webhooks, _ = setup(limited=False)
    cycles(service, 2 * (3 * ROSTER_SNAPSHOT_EVERY + 7))  # a tenant's admins' years of changes
    roster_id = WebhookRoster.create_id("daechi")

    with counting_reads(webhooks) as reads:
        roster = webhooks.load(roster_id, WebhookRoster)

    assert roster.version == 1 + 2 * (3 * ROSTER_SNAPSHOT_EVERY + 7)
    assert list(roster.members) == []
    assert reads.snapshots == 1
    assert reads.events < ROSTER_SNAPSHOT_EVERY
    # Snapshots are not events: the log and the audit trail have only the roster's own.
    assert len(list(webhooks.events.get(roster_id))) == roster.version
    topics = {n.topic for n in webhooks.recorder.select_notifications(start=1, limit=10_000)}
    assert not any("Snapshot" in topic for topic in topics)
    # And the cap still counts from it.
    for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT):
        create(service)
    with pytest.raises(TooManySubscriptions):
        create(service)


def test_a_failed_snapshot_does_not_fail_the_change(caplog: pytest.LogCaptureFixture) -> None:
    service, webhooks, _ = setup(limited=False)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    webhooks.take_snapshot = broken  # type: ignore[method-assign]
    cycles(service, ROSTER_SNAPSHOT_EVERY + 1)
    assert len(service.of_tenant("daechi")) == 1
    assert "no snapshot of roster" in caplog.text
