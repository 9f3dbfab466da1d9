"""When a failed webhook delivery is tried again, when it is given up, and when its subscription
is disabled.

The schedule is Standard Webhooks' / Svix's (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
10 h, ...), with the 10 h steps repeated until the span is about three days, so a receiver down
over a weekend still gets every event. Nominally the last attempt is 77 h 35 min 5 s after the
first (``TOTAL_SPAN``: 5 s + 5 min + 30 min + 2 h + 5 h + 7 × 10 h), 13 attempts in all.

Each delay is jittered by ±20 % from a random number the caller draws, so deliveries that failed
together (one receiver's outage) do not all come back at the same second.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# RETRY_DELAYS[n - 1]: the wait after the n-th failed attempt (the first attempt is immediate).
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 7,
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # 13
JITTER = 0.2  # each delay is within ±20 % of its nominal value

TOTAL_SPAN = sum(RETRY_DELAYS, timedelta())  # 77 h 35 min 5 s, first attempt to last


def jittered(delay: timedelta, rand: float) -> timedelta:
    """``delay`` scaled by a factor in [1 - JITTER, 1 + JITTER), from ``rand`` in [0, 1) (one
    outside it, or not a number, is taken as the nearest bound, or the middle)."""
    if not math.isfinite(rand):
        rand = 0.5
    rand = min(max(rand, 0.0), 1.0)
    return delay * (1.0 - JITTER + 2.0 * JITTER * rand)


def next_attempt_at(attempts_made: int, now: datetime, rand: float) -> datetime | None:
    """When to try again after ``attempts_made`` attempts, the last of which failed at ``now``;
    None once MAX_ATTEMPTS were made (the delivery is given up). No attempt made yet: now."""
    if attempts_made <= 0:
        return now
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return now + jittered(RETRY_DELAYS[attempts_made - 1], rand)


# The shortest span a delivery can fail for before it is given up: every delay jittered down.
SHORTEST_SPAN = sum((jittered(delay, 0.0) for delay in RETRY_DELAYS), timedelta())


def should_disable(last_success: datetime | None, first_failure: datetime, now: datetime) -> bool:
    """Whether a subscription whose delivery was just given up is disabled: it is, when nothing
    it was sent succeeded since that delivery's first attempt (``first_failure``), so it has
    failed continuously through the whole schedule. ``now`` must be at least the shortest span
    after the first failure: a delivery given up sooner (a retry forced by staff, a clock that
    jumped) does not disable a subscription that failed only for a moment."""
    if last_success is not None and last_success >= first_failure:
        return False
    return now - first_failure >= SHORTEST_SPAN
