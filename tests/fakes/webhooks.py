"""The webhooks' service in memory: the subscriptions' index kept from the Webhooks log, secrets
in a dict, and a queue that only counts pings (delivery itself is tested on SQL)."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Recording

from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.app.ports import Clock, RateLimiter
from academy_video.app.ports.webhooks import AttemptRecord, DueDelivery, Finished, Message
from academy_video.app.webhooks.application import Webhooks
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.domain.webhook_targets import AllowList


class InMemoryWebhookIndex:
    """The ids of each tenant's live subscriptions, as the projection keeps them."""

    def __init__(self) -> None:
        self._ids: dict[UUID, str] = {}
        self._lock = threading.Lock()

    def __call__(self, app_name: str, recordings: list[Recording[UUID]]) -> None:
        for recording in recordings:
            event = recording.domain_event
            if type(event).__qualname__.startswith("WebhookSubscription."):
                with self._lock:
                    if type(event).__qualname__.endswith(".Created"):
                        self._ids[event.originator_id] = getattr(event, "tenant", "")
                    elif type(event).__qualname__.endswith(".Deleted"):
                        self._ids.pop(event.originator_id, None)

    def of_tenant(self, tenant: str) -> list[UUID]:
        with self._lock:
            return [i for i, owner in self._ids.items() if owner == tenant]


class InMemoryWebhookSecrets:
    def __init__(self) -> None:
        self.by_subscription: dict[UUID, list[str]] = {}

    def add(self, subscription_id: UUID, secret: str, *, now: datetime) -> None:
        self.by_subscription.setdefault(subscription_id, []).insert(0, secret)

    def rotate(
        self, subscription_id: UUID, secret: str, *, now: datetime, old_valid_until: datetime
    ) -> None:
        self.add(subscription_id, secret, now=now)

    def valid(self, subscription_id: UUID, *, now: datetime) -> list[str]:
        return list(self.by_subscription.get(subscription_id, []))

    def drop(self, subscription_id: UUID) -> None:
        self.by_subscription.pop(subscription_id, None)


class PingCountingQueue:
    """``WebhookQueue`` with only ``ping`` (each one's delivery id) and ``prune``."""

    def __init__(self) -> None:
        self.pinged: list[tuple[UUID, Message]] = []
        self.pruned_before: list[datetime] = []
        self._ids = itertools.count(1)

    def ping(self, subscription_id: UUID, message: Message) -> int:
        self.pinged.append((subscription_id, message))
        return next(self._ids)

    def prune(self, before: datetime) -> int:
        self.pruned_before.append(before)
        return 0

    def lease(
        self,
        *,
        owner: str,
        now: datetime,
        until: datetime,
        limit: int,
        skip_tenants: frozenset[str] = frozenset(),
    ) -> list[DueDelivery]:
        return []

    def finish(self, finished: list[Finished], *, owner: str) -> set[int]:
        return set()

    def release(self, delivery_ids: list[int], *, owner: str) -> int:
        return 0

    def last_success(self, subscription_id: UUID) -> datetime | None:
        return None

    def attempts(self, subscription_id: UUID, *, limit: int) -> list[AttemptRecord]:
        return []

    def replay_size(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        return 0

    def replay(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        return 0

    def feed(self, tenant: str, *, after: int, limit: int) -> list[Message]:
        return []


def in_memory_webhooks(
    webhooks: Webhooks, clock: Clock, *, limiter: RateLimiter | None = None
) -> tuple[WebhookService, InMemoryWebhookSecrets, PingCountingQueue]:
    """The service on ``webhooks`` (its index kept current from now on)."""
    index = InMemoryWebhookIndex()
    webhooks.replay(index)
    webhooks.listen(index)
    secrets, queue = InMemoryWebhookSecrets(), PingCountingQueue()
    service = WebhookService(
        webhooks=webhooks,
        secrets=secrets,
        queue=queue,
        index=index,
        clock=clock,
        new_secret=lambda: "whsec_" + UUID(int=next(_secrets)).hex,
        allow=AllowList.parse(""),
        allow_http=False,
        limiter=limiter or InMemoryRateLimiter(),
    )
    return service, secrets, queue


_secrets = itertools.count(1)
