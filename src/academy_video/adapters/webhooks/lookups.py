"""Name lookups for webhook targets, each within a timeout. The system resolver cannot be
cancelled, so each lookup runs on a thread of its own: one that hangs (a subscriber's name whose
servers never answer) holds only its own thread, never another tenant's lookup. At most
``per_key`` run at once for one key (the tenant) and ``at_most`` in all, counting those whose
attempt has given up already: past that, a lookup fails at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from academy_video.domain.webhook_targets import IPAddress

Resolver = Callable[[str, int], list[IPAddress]]


class LookupFailed(Exception):
    pass


class Lookups:
    def __init__(self, resolve: Resolver, *, per_key: int = 4, at_most: int = 64) -> None:
        self._resolve = resolve
        self.per_key, self.at_most = per_key, at_most
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()

    def addresses(self, host: str, port: int, *, key: str, timeout: float) -> list[IPAddress]:
        with self._lock:
            if self._running[key] >= self.per_key or self._running.total() >= self.at_most:
                raise LookupFailed
            self._running[key] += 1
        answered = threading.Event()
        answer: list[list[IPAddress]] = []

        def look_up() -> None:
            try:
                answer.append(self._resolve(host, port))
            except (OSError, UnicodeError, ValueError):
                pass  # no answer: a failed lookup
            finally:
                with self._lock:
                    self._running[key] -= 1
                    if self._running[key] <= 0:
                        del self._running[key]
                answered.set()

        threading.Thread(target=look_up, name="webhook-dns", daemon=True).start()
        if not answered.wait(timeout) or not answer:
            raise LookupFailed
        return answer[0]

    def running(self, key: str) -> int:
        with self._lock:
            return self._running[key]
