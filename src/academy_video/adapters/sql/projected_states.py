"""The projector's aggregates as of the last event it applied, per Application."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, CanInitAggregate

from academy_video.app.applications import EventSourcedApp


class ProjectedStates:
    """Aggregates as of the last event projected, so each event is applied with ``mutate``
    instead of a reload. A miss (first sight, another process wrote the previous version, a
    rolled-back batch) reloads that version from the event store, so the cache is only ever a
    shortcut, never a source of truth."""

    def __init__(self, app: EventSourcedApp, size: int) -> None:
        self._app = app
        self._size = size
        self._cache: OrderedDict[UUID, Aggregate] = OrderedDict()

    def after(self, event: Any, kept: Aggregate | None = None) -> Aggregate:
        """The aggregate after ``event``: ``kept`` (its Application's own, as the save that
        recorded ``event`` left it; not cached here, so one copy in memory) when it is at
        ``event``'s version or later. Later is that save's last event of the aggregate (two
        sessions' positions, a completion): the Applications that keep aggregates (progresses)
        project rows the last write of a batch wins and public events from the event's own
        fields, so the save's final state stands for each of its events, and nothing is
        reloaded from the store."""
        cached = self._cache.pop(event.originator_id, None)
        aggregate: Aggregate | None
        if kept is not None and kept.version >= event.originator_version:
            return kept
        if isinstance(event, CanInitAggregate):
            aggregate = event.mutate(None)
        elif cached is not None and cached.version == event.originator_version - 1:
            aggregate = event.mutate(cached)
        else:
            aggregate = self._app.repository.get(
                event.originator_id, version=event.originator_version
            )
        assert aggregate is not None
        self._cache[event.originator_id] = aggregate
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return aggregate

    def clear(self) -> None:
        self._cache.clear()
