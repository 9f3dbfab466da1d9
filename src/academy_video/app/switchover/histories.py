"""Many aggregates loaded at once: the stored events of a batch's ids read in one query (the
``StoredHistories`` port), then each aggregate projected from its events as the repository
would. The import looks up every old row's aggregate; one round trip per row was its largest
cost after the roster (docs/benchmarks.md, Issue 19)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from academy_video.app.applications import EventSourcedApp

A = TypeVar("A", bound=Aggregate)
MAX_IDS = 50_000  # an import batch's at most (``importer.MAX_BATCH``)


class StoredHistories(Protocol):
    def select(self, app: EventSourcedApp, ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of these aggregates of ``app``, each aggregate's in version
        order (ids with none are left out)."""
        ...


class OneByOne:
    """The recorder's own per-aggregate read (the in-memory store; any store)."""

    def select(self, app: EventSourcedApp, ids: Sequence[UUID]) -> list[StoredEvent]:
        return [event for i in ids for event in app.recorder.select_events(i)]


def find_many(
    histories: StoredHistories, app: EventSourcedApp, ids: Collection[UUID], cls: type[A]
) -> dict[UUID, A]:
    """The aggregates of ``ids`` that exist and are ``cls``es (as ``app.find`` each)."""
    if len(ids) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} aggregates at once")
    events: dict[UUID, list[Any]] = defaultdict(list)
    for stored in histories.select(app, sorted(set(ids))):
        events[UUID(str(stored.originator_id))].append(app.mapper.to_domain_event(stored))
    found: dict[UUID, A] = {}
    for aggregate_id, history in events.items():
        aggregate = project_aggregate(None, history)
        if isinstance(aggregate, cls):
            found[aggregate_id] = aggregate
    return found
