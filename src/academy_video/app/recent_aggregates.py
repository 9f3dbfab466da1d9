"""A bounded cache of aggregates as they were last saved by this process.

Only ever a guess at the stored state: another process may have written since. A writer that
takes an aggregate from here saves it with the usual optimistic concurrency, so a stale one is
refused by the store (``IntegrityError``), never written over a newer one. Entries are taken
out while a writer holds them and put back only after their save succeeded, so the cache is
never ahead of the store (a failed save leaves nothing behind to be taken again).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

A = TypeVar("A", bound=Aggregate)


class RecentAggregates(Generic[A]):
    """The ``maxsize`` aggregates saved most recently (least recently saved dropped first)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._kept: OrderedDict[UUID, A] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, aggregate_id: UUID) -> A | None:
        """The kept aggregate, removed: the caller owns it until it ``keep``s it again."""
        with self._lock:
            return self._kept.pop(aggregate_id, None)

    def peek(self, aggregate_id: UUID) -> A | None:
        """The kept aggregate, left kept: to be read, never changed (a writer ``take``s)."""
        with self._lock:
            return self._kept.get(aggregate_id)

    def keep(self, aggregates: Iterable[A]) -> None:
        """Aggregates just saved, with no pending events: the state the store now holds."""
        with self._lock:
            for aggregate in aggregates:
                self._kept[aggregate.id] = aggregate
                self._kept.move_to_end(aggregate.id)
            while len(self._kept) > self.maxsize:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def drop(self, aggregate_ids: Iterable[UUID]) -> None:
        with self._lock:
            for aggregate_id in aggregate_ids:
                self._kept.pop(aggregate_id, None)
