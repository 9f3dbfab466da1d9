"""Webhooks: the WebhookSubscription aggregates' application (each tenant's webhook targets),
and each tenant's WebhookRoster (how many it has: the cap, judged under concurrency).

A roster gets an event at every create and delete, for ever; loading it from all of them grew
with the tenant's history. So the application keeps eventsourcing's snapshots (its snapshot
store: the table ``stored_snapshots`` beside ``stored_events`` on SQLite, ``webhooks_snapshots``
on PostgreSQL), one of a roster every ``ROSTER_SNAPSHOT_EVERY`` of its events: a load reads the
latest snapshot and the events after it. A snapshot is not an event: it is not in the
notification log (neither projected nor enqueued nor sealed in the audit chain), and the audit
trail reads the events themselves. Snapshots can be dropped at any time: a roster then loads
from its events, as before them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from academy_video.domain.webhook_roster import WebhookRoster

from ..applications import CONFLICT_RETRIES, EventSourcedApp
from ..errors import ConcurrencyConflict

log = logging.getLogger(__name__)

# A roster's events between two snapshots: a load reads a snapshot and fewer events than this.
ROSTER_SNAPSHOT_EVERY = 50


class Webhooks(EventSourcedApp):
    """Its own event store, like the other four: subscriptions are audited like them."""

    # The library's snapshot store, without its ``snapshotting_intervals``: those snapshot
    # inside ``save``, where a failed snapshot would look like a lost race to ``with_roster``
    # (an ``IntegrityError`` after the events were written) and skip the inline listeners.
    is_snapshotting_enabled = True

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
                loaded = roster.version - len(roster.pending_events)
                changed = change(roster)
                try:
                    self.save(roster, *changed)
                except IntegrityError:
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
                    continue
                if roster.version // ROSTER_SNAPSHOT_EVERY > loaded // ROSTER_SNAPSHOT_EVERY:
                    self._snapshot(roster)
                return
        raise ConcurrencyConflict()

    def _snapshot(self, roster: WebhookRoster) -> None:
        """A snapshot of the roster as just saved. Only a shortcut for later loads: the change
        is saved, so a failure to write it is logged, not raised."""
        try:
            self.take_snapshot(roster.id, version=roster.version)
        except Exception:
            log.exception(
                "webhooks: no snapshot of roster %s at version %d", roster.id, roster.version
            )
