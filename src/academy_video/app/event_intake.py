"""What a batch of player events passes before it joins the group commit
(``LiveSessions.report_events``): every event well-formed, storable and within the payload cap
(a batch refused here never touches another student's batch in the same save), then the
student's budgets per minute and per day. The session's total budget is judged later, by the
aggregate, where the batches of the same group are seen (``domain/event_budget.py``).

Nothing is counted twice: a batch refused anywhere costs no budget (the per-minute charge is
given back), so the same batch sent again later is counted, and stored, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from academy_video.domain.event_budget import EventBudget, EventBudgetExhausted, Window, wait
from academy_video.domain.playback_session import ClientEvent
from academy_video.domain.policy import ClientEventType

from .errors import Invalid, RateLimited
from .ports import RateLimiter
from .tokens import PlaybackClaims

PAYLOAD_DEPTH = 16
_EVENT_TYPES = frozenset(t.value for t in ClientEventType)
log = logging.getLogger(__name__)


class EventIntake:
    def __init__(self, budget: EventBudget, limiter: RateLimiter) -> None:
        self.budget = budget
        self.limiter = limiter

    def parse(self, events: list[dict[str, Any]]) -> list[ClientEvent]:
        """The batch as domain events, or the first bad one's refusal: ``events.<field>``
        (400), ``event_payload_too_large`` (413)."""
        return [self._client_event(raw) for raw in events]

    @asynccontextmanager
    async def charged(
        self, claims: PlaybackClaims, batch: int, now: datetime
    ) -> AsyncIterator[None]:
        """Charge the student's minute and day with ``batch`` events around the block that
        checks and stores them (all the student's sessions count: a new session is no new
        budget): a batch that does not fit is ``rate_limited`` with the seconds to wait. An
        empty batch costs one: it stores nothing but its check is work (a token staler than the
        rules is judged), so it is paid for like an event. A refusal inside the
        block gives the charge back; the session's total budget refusing is
        ``event_budget_exhausted``, with the seconds until the token lapses (the session takes
        no more events: a later token of it is refused alike)."""
        cost = max(1, batch)
        windows = self.budget.windows(claims.tenant, claims.user_id)
        if windows:
            refused = await asyncio.to_thread(self.limiter.allow_all, windows, now=now, cost=cost)
            if refused is not None:
                raise RateLimited(retry_after=wait(refused, cost, now))
        try:
            yield
        except Exception as refusal:  # not a cancelled caller: its batch may still be stored
            for window in windows:
                await self._refund(window, now, cost)
            if isinstance(refusal, EventBudgetExhausted):
                lapse = max(1, claims.expires_at - int(now.timestamp()))
                raise RateLimited(refusal.code, retry_after=lapse) from None
            raise

    async def _refund(self, window: Window, now: datetime, cost: int) -> None:
        try:
            await asyncio.to_thread(
                self.limiter.refund, window.key, window_seconds=window.seconds, now=now, cost=cost
            )
        except Exception:  # the refusal is the answer; a lost refund only delays a retry
            log.warning("playback: the charge of %s was not given back", window.key)

    def _client_event(self, raw: dict[str, Any]) -> ClientEvent:
        event_type = raw.get("type")
        if event_type not in _EVENT_TYPES:
            raise Invalid("events.type", f"unknown event type: {event_type!r}")
        occurred_at = raw.get("occurred_at")
        payload = raw.get("payload") or {}
        if occurred_at is not None and (
            isinstance(occurred_at, bool) or not isinstance(occurred_at, int | float)
        ):
            raise Invalid("events.occurred_at")
        if not isinstance(payload, dict) or not _storable(payload):
            raise Invalid("events.payload")
        self.budget.check_payload(payload)
        return ClientEvent(type=str(event_type), occurred_at=occurred_at, payload=payload)


def _storable(value: Any, depth: int = 0) -> bool:
    """What an event store can hold: integers of at most 64 bits (JSON allows any), text keys,
    nested at most PAYLOAD_DEPTH deep. Refused here, one batch fails alone; in a group commit's
    save it would fail every batch saved with it."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if depth >= PAYLOAD_DEPTH:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    return False
