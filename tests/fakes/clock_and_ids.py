"""A clock tests move by hand, and public ids counted in memory."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


class InMemoryIdAllocator:
    def __init__(self) -> None:
        self._last: defaultdict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def next_id(self, kind: str) -> int:
        with self._lock:
            self._last[kind] += 1
            return self._last[kind]
