"""The shared shape of our eventsourcing Applications.

Adds two things to ``Application``: a retried load-modify-save for optimistic-concurrency
conflicts, and inline listeners that see every saved recording (how read models read their own
writes). One Application per bounded context keeps writers from queueing on one table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from .errors import ConcurrencyConflict, NotFound

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
Listener = Callable[[str, list[Recording[UUID]]], None]

CONFLICT_RETRIES = 5


class EventSourcedApp(Application[UUID]):
    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener(app_name, recordings)`` after every successful save, in this thread."""
        self._listeners.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        for listener in self._listeners:
            listener(self.name, recordings)

    def load(self, aggregate_id: UUID, cls: type[A]) -> A:
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound() from None
        if not isinstance(aggregate, cls):
            raise NotFound()
        return aggregate

    def find(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        try:
            return self.load(aggregate_id, cls)
        except NotFound:
            return None

    def apply(self, aggregate_id: UUID, cls: type[A], command: Callable[[A], T]) -> T:
        """Load, apply ``command``, save; on a concurrent write, start again from fresh state."""
        for _ in range(CONFLICT_RETRIES):
            aggregate = self.load(aggregate_id, cls)
            result = command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                continue
            return result
        raise ConcurrencyConflict()
