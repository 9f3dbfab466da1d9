"""What the calls of a started session answer (``live.py``): a refresh, a heartbeat, an end
that carried events, and which refusals of those events still let the session end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from academy_video.domain.policy_change import PolicyChange

from ..errors import Conflict, Denied, RateLimited
from ..tokens import PlaybackClaims


@dataclass(frozen=True)
class Refreshed:
    token: str
    expires_at: int
    play_url: str
    media_query: str
    policy: dict[str, Any] | None = None  # the session's new policy, when this refresh adopted it
    change: PolicyChange = PolicyChange.UNCHANGED  # with ``policy``: was anything given?


@dataclass(frozen=True)
class Beat:
    """A heartbeat's answer: the claims it was judged under; when it adopted changed rules,
    the session's new policy and the token that carries it (same expiry as the one presented),
    and whether they gave the student anything (``loosened``) or not (``unchanged``: a new
    token, nothing to announce)."""

    claims: PlaybackClaims
    policy: dict[str, Any] | None = None
    token: str | None = None
    change: PolicyChange = PolicyChange.UNCHANGED


@dataclass(frozen=True)
class Ended:
    """An end that carried events: how many were stored; when they were not taken, why (the
    code the events endpoint would have answered: the session ended all the same); and whether
    they revoked the session, which then had nothing left to end."""

    stored: int = 0
    events_refused: str | None = None
    revoked: bool = False


# Why an end's events may be refused without refusing the end: the session's state or the
# student's budget, not the request (a student leaving must end the session).
EVENTS_REFUSED_ENDING_ANYWAY = (Conflict, Denied, RateLimited)
ENDING_ANYWAY_CODES = frozenset(
    {"session_inactive", "policy_changed", "rate_limited", "event_budget_exhausted"}
)
