"""The checks every playback use case shares: the versions a token or session was issued under,
against the current ones (``stale``), a session no longer ACTIVE as the one
``session_inactive``, and rules that tightened a session's as the one ``policy_changed``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from academy_video.domain.playback_session import PolicyTightened, SessionInactive

from ..errors import Conflict, Denied


def stale(held: tuple[int, int], current: tuple[int, int] | None) -> bool:
    """Whether the (policy, grant) versions a token or session was issued under are no longer
    the current ones: then the rules in force decide (policy_updates.py) whether it goes on.
    The video gone is ``invalid_token``."""
    if current is None:
        raise Denied("invalid_token")
    return current != held


@contextmanager
def inactive_as_conflict() -> Iterator[None]:
    """The recorded session is no longer ACTIVE: the same ``session_inactive`` refusal."""
    try:
        yield
    except SessionInactive:
        raise Conflict("session_inactive") from None


@contextmanager
def tightened_as_denied() -> Iterator[None]:
    """The rules in force take something away from the session's (``PolicyTightened``): the
    contract's ``policy_changed``, as every stale token answered before loosening went on."""
    try:
        yield
    except PolicyTightened:
        raise Denied("policy_changed") from None
