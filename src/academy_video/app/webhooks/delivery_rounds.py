"""A deliverer's database rounds, done on its database thread a batch at a time: lease what is
due (with the subscriptions' secrets), and record what ended (scheduling retries, disabling a
subscription whose delivery exhausted its schedule without a success since it began)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

import msgspec

from academy_video.domain.webhook_catalogue import iso_utc
from academy_video.domain.webhook_retention import DEFAULT_KEEP_DAYS
from academy_video.domain.webhook_retry import should_disable
from academy_video.domain.webhook_subscription import DISABLED_FAILING, WebhookSubscription

from ..ports import Clock, DueDelivery, Finished, WebhookQueue, WebhookSecrets
from .application import Webhooks
from .retention import prune_history

log = logging.getLogger(__name__)

Slot = tuple[str, str]  # ("host", name) or ("tenant", id): attempts in flight are counted per slot


@dataclass(frozen=True)
class Leased:
    due: DueDelivery
    secrets: list[str]  # the subscription's, when it was leased
    until: datetime  # the lease's end
    slots: tuple[Slot, Slot]  # its target host's and its tenant's


def body_of(due: DueDelivery) -> bytes:
    """What is POSTed: the public event, its id and type beside the tenant and data."""
    message = due.message
    return msgspec.json.encode(
        {
            "id": message.message_id,
            "type": message.type,
            "timestamp": iso_utc(message.occurred_at),
            "tenant": message.tenant,
            "data": message.data,
        }
    )


def slots_of(due: DueDelivery) -> tuple[Slot, Slot]:
    """Its target host's slot and its tenant's: one slow receiver, or one tenant's many
    receivers (a wildcard domain is many hosts), hold only their own share of the attempts."""
    host = (urlsplit(due.url).hostname or "").lower().rstrip(".")
    return ("host", host), ("tenant", due.message.tenant)


@dataclass
class DeliveryRounds:
    queue: WebhookQueue
    secrets: WebhookSecrets
    webhooks: Webhooks
    clock: Clock
    owner: str
    lease_for: timedelta
    keep_days: int = DEFAULT_KEEP_DAYS

    def lease(self, limit: int, skip_tenants: frozenset[str] = frozenset()) -> list[Leased]:
        now = self.clock.now()
        until = now + self.lease_for
        due = self.queue.lease(
            owner=self.owner, now=now, until=until, limit=limit, skip_tenants=skip_tenants
        )
        secrets: dict[UUID, list[str]] = {}
        for delivery in due:
            if delivery.subscription_id not in secrets:
                secrets[delivery.subscription_id] = self.secrets.valid(
                    delivery.subscription_id, now=now
                )
        return [Leased(d, secrets[d.subscription_id], until, slots_of(d)) for d in due]

    def record(self, done: list[tuple[DueDelivery, Finished]]) -> int:
        """Record the attempts that ended, together; how many were recorded."""
        if not done:
            return 0
        recorded = self.queue.finish([finished for _, finished in done], owner=self.owner)
        for due, finished in done:
            exhausted = not finished.delivered and finished.next_attempt_at is None
            if exhausted and due.delivery_id in recorded:
                self._maybe_disable(due, finished.at)
        return len(done)

    def release(self, unsent: list[Leased]) -> int:
        """Give back what was leased and not sent (this process is stopping)."""
        return self.queue.release([leased.due.delivery_id for leased in unsent], owner=self.owner)

    def prune(self) -> int:
        """The history older than ``keep_days`` (``retention.py``); how many rows went."""
        pruned = prune_history(self.queue, self.clock, self.keep_days)
        if pruned:
            log.info("webhooks: pruned %d rows older than %d days", pruned, self.keep_days)
        return pruned

    def _maybe_disable(self, due: DueDelivery, now: datetime) -> None:
        first = due.first_attempt_at or now
        if not should_disable(self.queue.last_success(due.subscription_id), first, now):
            return

        def disable(subscription: WebhookSubscription) -> None:
            if subscription.enabled and not subscription.deleted:
                subscription.disable(DISABLED_FAILING, now)

        self.webhooks.apply(due.subscription_id, WebhookSubscription, disable)
        log.warning(
            "webhooks: subscription %s disabled: failing since %s", due.subscription_id, first
        )
