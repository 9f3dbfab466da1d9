"""RateLimiter in process (the embedded default): the same sliding-window counter as Redis's."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from academy_video.domain.event_budget import Window

MAX_KEYS = 100_000  # forget finished windows past this many keys, to bound memory

Slot = tuple[str, int, int]  # key, window length, window number


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[Slot, int] = {}
        self._lock = threading.Lock()

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        return self.allow_all([Window(key, limit, window_seconds)], now=now, cost=cost) is None

    def allow_all(self, windows: Sequence[Window], *, now: datetime, cost: int) -> Window | None:
        with self._lock:
            counted: list[tuple[Slot, int]] = []
            for window in windows:
                number, into = divmod(now.timestamp(), window.seconds)
                slot = (window.key, window.seconds, int(number))
                used = self._counts.get(slot, 0)
                previous = self._counts.get((window.key, window.seconds, int(number) - 1), 0)
                if previous * (1 - into / window.seconds) + used + cost > window.limit:
                    return window
                counted.append((slot, used + cost))
            if len(self._counts) > MAX_KEYS:
                self._forget_finished(now)
            self._counts.update(counted)
            return None

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        slot = (key, window_seconds, int(now.timestamp() // window_seconds))
        with self._lock:
            used = self._counts.get(slot, 0)
            if used:
                self._counts[slot] = max(0, used - cost)

    def _forget_finished(self, now: datetime) -> None:
        """Drop the windows that no check weighs any more (before the previous one)."""
        moment = now.timestamp()
        self._counts = {
            slot: count
            for slot, count in self._counts.items()
            if slot[2] >= int(moment // slot[1]) - 1
        }
