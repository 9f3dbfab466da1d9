"""How far back the webhooks' history reaches: a replay re-sends at most ``MAX_REPLAY_SPAN`` of
it, and what is older than ``keep_days`` (messages, finished deliveries, their attempts) is
pruned. The kept history must be longer than the replay's span: a replay of the whole span,
ending now, then always finds every message it covers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from .errors import InvalidValue

MAX_REPLAY_SPAN: Final = timedelta(days=31)  # one replay re-sends at most this much history
DEFAULT_KEEP_DAYS: Final = 35
MAX_KEEP_DAYS: Final = 3650  # a bound on what an operator types, not a policy


def check_keep_days(days: int) -> None:
    """``days`` of history kept: more than the replay's span (and a sane number)."""
    shortest = MAX_REPLAY_SPAN.days + 1
    if isinstance(days, bool) or not isinstance(days, int) or not shortest <= days <= MAX_KEEP_DAYS:
        raise KeepTooShort(
            "keep_days",
            f"must be a whole number of days from {shortest} (more than the "
            f"{MAX_REPLAY_SPAN.days}-day replay window) to {MAX_KEEP_DAYS}",
        )


def pruned_before(now: datetime, keep_days: int) -> datetime:
    """What is older than this is pruned (``keep_days`` checked)."""
    check_keep_days(keep_days)
    return now - timedelta(days=keep_days)


class KeepTooShort(InvalidValue):
    """A retention that would prune what a replay may still ask for, or out of bounds."""
