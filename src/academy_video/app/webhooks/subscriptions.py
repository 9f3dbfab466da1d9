"""Webhook subscriptions (admin only, within the caller's tenant): create with a secret shown
once, change, rotate the secret (the old one keeps verifying for a day), disable and enable,
delete; replay a time range, send a test ping, read the delivery log and the pull feed.

A subscription of another tenant, or a deleted one, is not found (the caller is never told
which). A target URL is checked when it is set (``domain/webhook_targets.py``); it is checked
again, with its addresses resolved, on every delivery (DNS may change in between).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from academy_video.domain.errors import DomainError
from academy_video.domain.event_budget import Window, wait
from academy_video.domain.webhook_catalogue import PING
from academy_video.domain.webhook_pings import ping_windows
from academy_video.domain.webhook_retention import MAX_REPLAY_SPAN
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_roster_changes import roster_change_windows
from academy_video.domain.webhook_subscription import DISABLED_BY_ADMIN, WebhookSubscription
from academy_video.domain.webhook_targets import (
    AllowList,
    InvalidWebhookTarget,
    check_target_url,
    refused_address,
)

from ..errors import Conflict, Invalid, NotFound, RateLimited, TooLarge
from ..ports import AttemptRecord, Clock, Message, RateLimiter, WebhookQueue, WebhookSecrets
from .application import Webhooks

OLD_SECRET_VALID = timedelta(hours=24)
MAX_REPLAY_MESSAGES = 10_000  # and at most this many events
MAX_FEED_LIMIT = 500
MAX_LOG_LIMIT = 200
SUBSCRIPTION_DISABLED = "subscription_disabled"  # a ping to a disabled one (409)


class SubscriptionIndex(Protocol):
    """The tenant's subscriptions, as projected (ids only: each is then loaded from its log)."""

    def of_tenant(self, tenant: str) -> list[UUID]: ...


@dataclass(frozen=True)
class Created:
    subscription: WebhookSubscription
    secret: str  # shown once, in the answer to the create


class WebhookService:
    def __init__(
        self,
        *,
        webhooks: Webhooks,
        secrets: WebhookSecrets,
        queue: WebhookQueue,
        index: SubscriptionIndex,
        clock: Clock,
        new_secret: Callable[[], str],
        allow: AllowList,
        allow_http: bool,
        limiter: RateLimiter,
    ) -> None:
        self.webhooks, self.secrets, self.queue, self.index = webhooks, secrets, queue, index
        self.clock, self.new_secret = clock, new_secret
        self.allow, self.allow_http = allow, allow_http
        self.limiter = limiter  # test pings (``ping``), creates and deletes

    def create(
        self, *, tenant: str, url: str, event_types: list[str], description: str, enabled: bool
    ) -> Created:
        """A new subscription, if the tenant has room for it (``too_many_subscriptions``): the
        tenant's roster is saved with it, so concurrent creates cannot pass the cap. Counted,
        once valid, in the tenant's creates and deletes (``rate_limited`` past them)."""
        self._check_url(url)
        subscription_id, now = uuid4(), self.clock.now()

        def made() -> WebhookSubscription:
            subscription = WebhookSubscription.create(
                id=subscription_id,
                tenant=tenant,
                url=url,
                event_types=event_types,
                description=description,
                now=now,
            )
            if not enabled:
                subscription.disable(DISABLED_BY_ADMIN, now)
            return subscription

        def enrol(roster: WebhookRoster) -> list[Aggregate]:
            roster.add(subscription_id)
            return [made()]  # afresh at each attempt: a failed save took its pending events

        made()  # a bad field is refused before anything is written
        windows = self._count(roster_change_windows(tenant), now)
        secret = self.new_secret()
        # The secret first: a subscription is never saved without one to sign with.
        self.secrets.add(subscription_id, secret, now=now)
        try:
            self.webhooks.with_roster(tenant, enrol, existing=lambda: self._live(tenant))
        except DomainError:  # refused (no room, or kept conflicting): nothing was saved
            self.secrets.drop(subscription_id)
            self._give_back(windows, now)
            raise
        return Created(self.webhooks.load(subscription_id, WebhookSubscription), secret)

    def of_tenant(self, tenant: str) -> list[WebhookSubscription]:
        found = (self.webhooks.find(i, WebhookSubscription) for i in self.index.of_tenant(tenant))
        mine = [s for s in found if s is not None and s.tenant == tenant and not s.deleted]
        return sorted(mine, key=lambda s: s.created_at)

    def get(self, tenant: str, subscription_id: UUID) -> WebhookSubscription:
        subscription = self.webhooks.find(subscription_id, WebhookSubscription)
        if subscription is None or subscription.tenant != tenant or subscription.deleted:
            raise NotFound()
        return subscription

    def change(
        self,
        tenant: str,
        subscription_id: UUID,
        *,
        url: str | None = None,
        event_types: list[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookSubscription:
        if url is not None:
            self._check_url(url)
        self.get(tenant, subscription_id)  # another tenant's is not found, before any write

        def apply(subscription: WebhookSubscription) -> WebhookSubscription:
            now = self.clock.now()
            subscription.change(url=url, event_types=event_types, description=description)
            if enabled is True and not subscription.enabled:
                subscription.enable(now)
            elif enabled is False and subscription.enabled:
                subscription.disable(DISABLED_BY_ADMIN, now)
            return subscription

        return self.webhooks.apply(subscription_id, WebhookSubscription, apply)

    def delete(self, tenant: str, subscription_id: UUID) -> None:
        """Delete it and free its place in the tenant's roster, in one save (counted in the
        tenant's creates and deletes, as ``create``)."""
        self.get(tenant, subscription_id)
        now = self.clock.now()
        windows = self._count(roster_change_windows(tenant), now)

        def withdraw(roster: WebhookRoster) -> list[Aggregate]:
            subscription = self.get(tenant, subscription_id)  # fresh at each attempt
            subscription.delete(self.clock.now())
            roster.remove(subscription_id)
            return [subscription]

        try:
            self.webhooks.with_roster(
                tenant, withdraw, existing=lambda: self._live(tenant), touching=[subscription_id]
            )
        except DomainError:  # deleted meanwhile, or kept conflicting: nothing was saved
            self._give_back(windows, now)
            raise
        self.secrets.drop(subscription_id)

    def rotate_secret(self, tenant: str, subscription_id: UUID) -> tuple[str, datetime]:
        """The new secret (shown once) and until when the old one still verifies."""
        self.get(tenant, subscription_id)
        now, secret = self.clock.now(), self.new_secret()
        self.secrets.rotate(
            subscription_id, secret, now=now, old_valid_until=now + OLD_SECRET_VALID
        )
        self.webhooks.apply(subscription_id, WebhookSubscription, lambda s: s.rotate_secret(now))
        return secret, now + OLD_SECRET_VALID

    def replay(
        self, tenant: str, subscription_id: UUID, *, since: datetime, until: datetime | None
    ) -> int:
        """Send again what the subscription's types saw in [since, until) (until: now)."""
        self.get(tenant, subscription_id)
        since, until = _utc(since), _utc(until or self.clock.now())
        if since >= until:
            raise Invalid("since must be before until (now, when not given)")
        if until - since > MAX_REPLAY_SPAN:
            raise Invalid(f"a replay spans at most {MAX_REPLAY_SPAN.days} days")
        if self.queue.replay_size(subscription_id, since=since, until=until) > MAX_REPLAY_MESSAGES:
            raise TooLarge(f"a replay re-sends at most {MAX_REPLAY_MESSAGES} events: narrow it")
        return self.queue.replay(subscription_id, since=since, until=until)

    def ping(self, tenant: str, subscription_id: UUID) -> int:
        """Queue a ``webhook.ping`` to this subscription alone; its delivery id. At most so
        many a minute per subscription, and a minute and a day per tenant
        (``domain/webhook_pings.py``): past them ``rate_limited``, with the seconds to wait.
        Counted before the subscription is looked up: asking for ones that do not exist costs
        the same. A disabled subscription is refused (``subscription_disabled``): nothing would
        send its ping, which would wait in the outbox until pruned."""
        now = self.clock.now()
        self._count(ping_windows(tenant, subscription_id), now)
        subscription = self.get(tenant, subscription_id)
        if not subscription.enabled:
            raise Conflict(SUBSCRIPTION_DISABLED)
        message = Message(
            position=0,
            message_id="msg_ping_" + uuid4().hex[:20],  # each ping its own
            tenant=subscription.tenant,
            type=PING,
            subject=f"webhook:{subscription_id}",
            occurred_at=now,
            data={"webhook_id": str(subscription_id)},
        )
        return self.queue.ping(subscription_id, message)

    def attempts(self, tenant: str, subscription_id: UUID, *, limit: int) -> list[AttemptRecord]:
        self.get(tenant, subscription_id)
        return self.queue.attempts(subscription_id, limit=min(max(limit, 1), MAX_LOG_LIMIT))

    def feed(self, tenant: str, *, after: int, limit: int) -> list[Message]:
        return self.queue.feed(
            tenant, after=max(after, 0), limit=min(max(limit, 1), MAX_FEED_LIMIT)
        )

    def _count(self, windows: list[Window], now: datetime) -> list[Window]:
        """One use counted in each of ``windows``, or ``rate_limited`` (with the seconds to
        wait) and none counted."""
        refused = self.limiter.allow_all(windows, now=now, cost=1)
        if refused is not None:
            raise RateLimited(retry_after=wait(refused, 1, now))
        return windows

    def _give_back(self, windows: list[Window], now: datetime) -> None:
        """What ``_count`` counted, for a change refused with nothing written."""
        for window in windows:
            self.limiter.refund(window.key, window_seconds=window.seconds, now=now, cost=1)

    def _live(self, tenant: str) -> list[UUID]:
        """The tenant's subscriptions stored before its roster existed (a roster starts with
        them): the projected ids, each loaded from its log (a deleted one is not live)."""
        return [subscription.id for subscription in self.of_tenant(tenant)]

    def _check_url(self, url: str) -> None:
        """The URL's form now; an address literal that could never be sent to is refused now
        too (a name is resolved and checked at each delivery)."""
        target = check_target_url(url, allow_http=self.allow_http)
        if target.address is not None:
            refused = refused_address(target.address, host=target.host, allow=self.allow)
            if refused:
                raise InvalidWebhookTarget(f"address {refused}")


def _utc(moment: datetime) -> datetime:
    """A time without an offset is taken as UTC (as the audit API takes it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
