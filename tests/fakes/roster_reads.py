"""Counting what loading an aggregate reads from a Webhooks application's stores: its events
and its snapshots (each recorder's ``select_events`` wrapped)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from academy_video.app.applications import EventSourcedApp
from academy_video.domain.event_budget import Window


@dataclass
class Reads:
    events: int = 0
    snapshots: int = 0


@contextmanager
def counting_reads(app: EventSourcedApp) -> Iterator[Reads]:
    reads = Reads()
    assert app.snapshots is not None
    events, snapshots = app.recorder, app.snapshots.recorder
    select_events, select_snapshots = events.select_events, snapshots.select_events

    def counted_events(*args: Any, **kwargs: Any) -> Any:
        found = select_events(*args, **kwargs)
        reads.events += len(found)
        return found

    def counted_snapshots(*args: Any, **kwargs: Any) -> Any:
        found = select_snapshots(*args, **kwargs)
        reads.snapshots += len(found)
        return found

    events.select_events = counted_events  # type: ignore[method-assign]
    snapshots.select_events = counted_snapshots  # type: ignore[method-assign]
    try:
        yield reads
    finally:
        del events.select_events, snapshots.select_events  # the class's own again


class NoLimits:
    """A ``RateLimiter`` that allows everything (for tests of what many changes leave)."""

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        return True

    def allow_all(self, windows: Sequence[Window], *, now: datetime, cost: int) -> Window | None:
        return None

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        pass
