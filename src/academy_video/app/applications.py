"""The shared shape of our eventsourcing Applications.

Adds two things to ``Application``: a retried load-modify-save for optimistic-concurrency
conflicts, and inline listeners that see every saved recording (how read models read their own
writes). One Application per bounded context keeps writers from queueing on one table.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from .errors import ConcurrencyConflict, NotFound

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
Listener = Callable[[str, list[Recording[UUID]]], None]

CONFLICT_RETRIES = 8
LOCK_STRIPES = 64


def event_name(event: object) -> str:
    """``Video.UploadConfirmed`` → ``UploadConfirmed``."""
    return type(event).__qualname__.rsplit(".", 1)[-1]


class EventSourcedApp(Application[UUID]):
    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._listeners: list[Listener] = []
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def listen(self, listener: Listener) -> None:
        """Call ``listener(app_name, recordings)`` after every successful save, in this thread."""
        self._listeners.append(listener)

    def replay(self, listener: Listener, batch: int = 500) -> int:
        """Feed ``listener`` everything already stored, in log order; returns how many events."""
        seen, last = 0, 0
        while notifications := self.recorder.select_notifications(
            start=last, limit=batch, inclusive_of_start=False
        ):
            listener(
                self.name,
                [Recording(self.mapper.to_domain_event(n), n) for n in notifications],
            )
            seen += len(notifications)
            last = notifications[-1].id
        return seen

    def saved_state(self, aggregate_id: UUID) -> Aggregate | None:  # noqa: ARG002
        """The aggregate as this process's last save left it, if this Application keeps it
        (shared, read-only): an inline projection of that save can use it instead of a copy."""
        return None

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

    @contextmanager
    def writing(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        """Hold the write locks of these aggregates (each stripe once, in one order, so two
        holders cannot deadlock): a save of several aggregates queues with ``apply``."""
        stripes = sorted({aggregate_id.int % len(self._stripes) for aggregate_id in aggregate_ids})
        with ExitStack() as held:
            for stripe in stripes:
                held.enter_context(self._stripes[stripe])
            yield

    def apply(self, aggregate_id: UUID, cls: type[A], command: Callable[[A], T]) -> T:
        """Load, apply ``command``, save; on a concurrent write, start again from fresh state.

        Writers in this process queue on a lock striped by aggregate id, so conflicts only come
        from other processes; those are retried after a short random pause.
        """
        with self.writing([aggregate_id]):
            for attempt in range(CONFLICT_RETRIES):
                aggregate = self.load(aggregate_id, cls)
                result = command(aggregate)
                try:
                    self.save(aggregate)
                except IntegrityError:
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
                    continue
                return result
        raise ConcurrencyConflict()
