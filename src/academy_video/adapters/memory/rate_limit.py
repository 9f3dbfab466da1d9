"""RateLimiter in process (the embedded default): the same sliding-window counter as Redis's."""

from __future__ import annotations

import threading
from datetime import datetime

MAX_KEYS = 100_000  # forget finished windows past this many keys, to bound memory


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        window, into = divmod(now.timestamp(), window_seconds)
        current = int(window)
        with self._lock:
            used = self._counts.get((key, current), 0)
            previous = self._counts.get((key, current - 1), 0)
            if previous * (1 - into / window_seconds) + used + cost > limit:
                return False
            if len(self._counts) > MAX_KEYS:
                self._counts = {k: n for k, n in self._counts.items() if k[1] >= current - 1}
            self._counts[key, current] = used + cost
            return True

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        slot = (key, int(now.timestamp() // window_seconds))
        with self._lock:
            used = self._counts.get(slot, 0)
            if used:
                self._counts[slot] = max(0, used - cost)
