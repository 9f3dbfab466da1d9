"""Test pings are rate-limited per subscription and per tenant: each one is a stored message, a
delivery and an attempt against the target, so one admin token must not be able to send them
without end."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from academy_video.app.errors import NotFound, RateLimited
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.bootstrap import Adapters
from academy_video.domain.webhook_pings import (
    PINGS_PER_SUBSCRIPTION_PER_MINUTE,
    PINGS_PER_TENANT_PER_DAY,
    PINGS_PER_TENANT_PER_MINUTE,
)
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.container import build_in_memory
from tests.fakes.webhooks import PingCountingQueue, in_memory_webhooks
from tests.unit.app.test_webhook_cap import create

PER_HOOK, PER_MINUTE, PER_DAY = (
    PINGS_PER_SUBSCRIPTION_PER_MINUTE,
    PINGS_PER_TENANT_PER_MINUTE,
    PINGS_PER_TENANT_PER_DAY,
)


def setup() -> tuple[WebhookService, PingCountingQueue, FakeClock]:
    clock = FakeClock()
    app = build_in_memory(adapters=Adapters(clock=clock))
    service, _, queue = in_memory_webhooks(app.webhooks, clock)
    return service, queue, clock


def refused(service: WebhookService, hook: UUID, tenant: str = "daechi") -> int:
    """The seconds a refused ping is told to wait."""
    with pytest.raises(RateLimited) as refusal:
        service.ping(tenant, hook)
    assert refusal.value.code == "rate_limited"
    assert refusal.value.retry_after is not None
    return refusal.value.retry_after


def test_one_subscription_gets_so_many_pings_a_minute() -> None:
    service, queue, clock = setup()
    hook, other = create(service), create(service)
    for _ in range(PER_HOOK):
        service.ping("daechi", hook)
    wait = refused(service, hook)
    assert 0 < wait <= 2 * 60 + 1
    assert len(queue.pinged) == PER_HOOK  # the refused one queued nothing
    service.ping("daechi", other)  # another subscription has its own minute
    clock.advance(wait)
    service.ping("daechi", hook)  # told when, and it was so


def test_a_tenant_gets_so_many_pings_a_minute_whichever_subscriptions() -> None:
    service, queue, _ = setup()
    hooks = [create(service) for _ in range(PER_MINUTE // PER_HOOK + 1)]
    for hook in hooks[:-1]:
        for _ in range(PER_HOOK):
            service.ping("daechi", hook)
    assert len(queue.pinged) == PER_MINUTE
    refused(service, hooks[-1])  # a fresh subscription: the tenant's minute is spent
    service.ping("other", create(service, "other"))  # another tenant's is its own


def test_a_tenant_gets_so_many_pings_a_day() -> None:
    service, queue, clock = setup()
    hooks = [create(service) for _ in range(PER_MINUTE // PER_HOOK)]
    while len(queue.pinged) < PER_DAY:
        for hook in hooks:
            for _ in range(PER_HOOK):
                service.ping("daechi", hook)
        clock.advance(120)  # both minutes' windows empty again
    assert len(queue.pinged) == PER_DAY
    wait = refused(service, hooks[0])
    assert wait > 3600  # the day's window, not a minute's


def test_pings_to_unknown_subscriptions_cost_the_same() -> None:
    # Probing ids is no way around the tenant's budget (and asks for no load past it).
    service, _, _ = setup()
    hook = create(service)
    for _ in range(PER_MINUTE):
        with pytest.raises(NotFound):
            service.ping("daechi", uuid4())
    refused(service, hook)
