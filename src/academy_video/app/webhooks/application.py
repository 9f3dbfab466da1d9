"""Webhooks: the WebhookSubscription aggregates' application (each tenant's webhook targets),
and each tenant's WebhookRoster (how many it has: the cap, judged under concurrency)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from academy_video.domain.webhook_roster import WebhookRoster

from ..applications import CONFLICT_RETRIES, EventSourcedApp
from ..errors import ConcurrencyConflict


class Webhooks(EventSourcedApp):
    """Its own event store, like the other four: subscriptions are audited like them."""

    def with_roster(
        self,
        tenant: str,
        change: Callable[[WebhookRoster], list[Aggregate]],
        *,
        existing: Callable[[], Iterable[UUID]],
        touching: Iterable[UUID] = (),
    ) -> None:
        """Run ``change`` on the tenant's roster (started with ``existing()`` when the tenant has
        none yet) and save the roster together with the aggregates ``change`` returns, in one
        save. A concurrent write of the roster (another process's create or delete) makes the
        save fail as a whole; then it starts again from fresh state, so ``change`` must build or
        load what it returns each time. Writers here queue on the roster's lock (and those of
        ``touching``, the aggregates ``change`` loads), as ``apply``'s do."""
        roster_id = WebhookRoster.create_id(tenant)
        with self.writing([roster_id, *touching]):
            for attempt in range(CONFLICT_RETRIES):
                roster = self.find(roster_id, WebhookRoster)
                if roster is None:
                    roster = WebhookRoster.start(tenant, existing())
                changed = change(roster)
                try:
                    self.save(roster, *changed)
                except IntegrityError:
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
                    continue
                return
        raise ConcurrencyConflict()
