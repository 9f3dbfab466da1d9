"""What a student may send as player events: a cap on each event's payload, a budget of events
in each playback session's whole life, and budgets per minute and per day across all the
student's sessions (a session ended and another started gets no fresh minute or day). A student
with a live session must not be able to fill the event store and the read models.

The session's total is judged by the ``PlaybackSession`` aggregate against its own counter (the
session as saved, batches of the same group commit included); the minute and the day are counted
by the ``RateLimiter`` port in sliding windows, together. A refused batch is refused whole:
nothing of it is stored or counted, and it may be sent again.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .errors import DomainError

WINDOW_SECONDS: Final = 60
DAY_SECONDS: Final = 86_400


@dataclass(frozen=True)
class Window:
    """At most ``limit`` events in any ``seconds``, counted under ``key``."""

    key: str
    limit: int
    seconds: int


@dataclass(frozen=True)
class EventBudget:
    payload_max_bytes: int = 0  # each event's payload, as its JSON is stored (0: no cap)
    per_minute: int = 0  # events a student may report in any minute (0: no limit)
    total: int = 0  # events a session may report in its whole life (0: no limit)
    per_day: int = 0  # events a student may report in any day (0: no limit)

    def windows(self, tenant: str, user_id: int) -> list[Window]:
        """The student's sliding windows, their keys kept together under one tag (a Redis
        Cluster slot: the rate limiter counts them in one step)."""
        student = f"events:{{t:{tenant}:u:{user_id}}}"
        windows = [
            Window(f"{student}:minute", self.per_minute, WINDOW_SECONDS),
            Window(f"{student}:day", self.per_day, DAY_SECONDS),
        ]
        return [window for window in windows if window.limit]

    def check_payload(self, payload: dict[str, Any]) -> None:
        if self.payload_max_bytes and payload_size(payload) > self.payload_max_bytes:
            raise PayloadTooLarge()

    def check_total(self, reported: int, batch: int) -> None:
        """``reported`` events stored in the session so far; ``batch`` more would join them."""
        if self.total and reported + batch > self.total:
            raise EventBudgetExhausted()


def wait(window: Window, batch: int, now: datetime) -> int:
    """Seconds after which a batch refused by ``window`` fits, if the student sends nothing
    else meanwhile. The sliding window weighs the previous window's count (at most ``limit``)
    by how much of it still overlaps: once the current window is over and ``batch / limit`` of
    the next has passed, ``limit - batch`` at most is left of it. Rounded up, and one second
    more for clocks a little apart."""
    into = now.timestamp() % window.seconds
    return math.ceil(window.seconds - into + window.seconds * batch / window.limit) + 1


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of ``payload`` as the read model stores its JSON (``json.dumps``' defaults: ASCII,
    so a non-ASCII character weighs its escape, up to 12 bytes)."""
    return len(_STORED.encode(payload))


# Made once: json.dumps builds an encoder per call when given options; this is the default one.
_STORED: Final = json.JSONEncoder()


UNLIMITED: Final = EventBudget()


class PayloadTooLarge(DomainError):
    code = "event_payload_too_large"


class EventBudgetExhausted(DomainError):
    """The session has reported all the events it may: no batch of it is taken any more."""

    code = "event_budget_exhausted"
