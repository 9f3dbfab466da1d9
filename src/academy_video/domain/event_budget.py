"""What one playback session may send: a cap on each player event's payload, and a budget of
events per minute and in total. A student with a live session must not be able to fill the
event store and the read models.

The total is judged by the ``PlaybackSession`` aggregate against its own counter (the session as
saved, batches of the same group commit included); the per-minute budget is counted by the
``RateLimiter`` port in a sliding window of ``WINDOW_SECONDS``. A refused batch is refused
whole: nothing of it is stored or counted, and it may be sent again.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .errors import DomainError

WINDOW_SECONDS: Final = 60


@dataclass(frozen=True)
class EventBudget:
    payload_max_bytes: int = 0  # each event's payload, as compact UTF-8 JSON (0: no cap)
    per_minute: int = 0  # events a session may report in any minute (0: no limit)
    total: int = 0  # events a session may report in its whole life (0: no limit)

    def check_payload(self, payload: dict[str, Any]) -> None:
        if self.payload_max_bytes and payload_size(payload) > self.payload_max_bytes:
            raise PayloadTooLarge()

    def check_total(self, reported: int, batch: int) -> None:
        """``reported`` events stored in the session so far; ``batch`` more would join them."""
        if self.total and reported + batch > self.total:
            raise EventBudgetExhausted()

    def minute_wait(self, batch: int, now: datetime) -> int:
        """Seconds after which a batch refused for the per-minute budget fits, if the session
        sends nothing else meanwhile. The sliding window weighs the previous minute's count
        (at most ``per_minute``) by how much of it still overlaps: once the current minute is
        over and ``batch / per_minute`` of the next has passed, ``per_minute - batch`` at most
        is left of it. Rounded up, and one second more for clocks a little apart."""
        into = now.timestamp() % WINDOW_SECONDS
        return math.ceil(WINDOW_SECONDS - into + WINDOW_SECONDS * batch / self.per_minute) + 1


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of ``payload`` as compact JSON in UTF-8 (what it weighs in the read model)."""
    return len(_COMPACT.encode(payload).encode("utf-8", "surrogatepass"))


# Made once: json.dumps with options builds an encoder per call (1.6× the time, per event).
_COMPACT: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


UNLIMITED: Final = EventBudget()


class PayloadTooLarge(DomainError):
    code = "event_payload_too_large"


class EventBudgetExhausted(DomainError):
    """The session has reported all the events it may: no batch of it is taken any more."""

    code = "event_budget_exhausted"
