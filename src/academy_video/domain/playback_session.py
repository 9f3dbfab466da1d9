"""PlaybackSession: one student's viewing of one video, from start to end, revocation or expiry.

Client events arrive in batches; each batch is one domain event holding every item with its
verdict. Violation counters are cumulative over the session, so splitting a batch does not help.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from . import ids
from .errors import DomainError
from .event_budget import UNLIMITED, EventBudget
from .policy import judge_event, should_revoke
from .policy_change import PolicyChange, classify_change


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class ClientEvent:
    """One player event as reported: type, Unix time it happened (if the client says), payload."""

    type: str
    occurred_at: float | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RevokeRule:
    threshold: int = 3
    ratio: float = 0.5


@dataclass(frozen=True)
class ReportOutcome:
    stored: int
    violated: int
    revoked: bool


class PlaybackSession(Aggregate):
    @staticmethod
    def create_id(session_id: str) -> UUID:
        return ids.playback_session_id(session_id)

    @event("Started")
    def __init__(
        self,
        session_id: str,
        tenant: str,
        video_id: int,
        enrollment_id: int,
        user_id: int,
        device_id: str,
        policy: dict[str, Any],
        policy_version: int,
        grant_version: int,
        started_at: datetime,
        expires_at: datetime,
    ) -> None:
        self.session_id = session_id
        self.tenant = tenant
        self.video_id = video_id
        self.enrollment_id = enrollment_id
        self.user_id = user_id
        self.device_id = device_id
        self.policy = policy  # the policy in force: the start's, then each PolicyUpdated's
        self.policy_version = policy_version
        self.grant_version = grant_version
        self.started_at = started_at
        self.expires_at = expires_at
        self.status = SessionStatus.ACTIVE
        self.events_total = 0
        self.violations_total = 0
        self.ended_at: datetime | None = None
        self.revoke_reason = ""
        self.imported_through = 0  # the last old event id imported (``import_events``)

    class Imported(Aggregate.Created):
        """The session's history begins in the old app: ``source`` names its row there
        (``video_videoplaybacksession:3``), with the status and times it had. The old app
        kept no policy on the session (its events carry a snapshot each)."""

        session_id: str
        tenant: str
        video_id: int
        enrollment_id: int
        user_id: int
        device_id: str
        policy: dict[str, Any]
        policy_version: int
        grant_version: int
        started_at: datetime
        expires_at: datetime
        source: str
        status: str
        ended_at: datetime | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = SessionStatus(self.status)
            aggregate.ended_at = self.ended_at
            aggregate.imported_through = 0

    @classmethod
    def imported(
        cls, *, source: str, status: str, ended_at: datetime | None, **started: Any
    ) -> PlaybackSession:
        """A session brought over from the old app (``Imported``'s fields as keywords)."""
        return cls._create(
            cls.Imported,
            id=cls.create_id(started["session_id"]),
            timestamp=started["started_at"],
            source=source,
            status=SessionStatus(status).value,
            ended_at=ended_at,
            **started,
        )

    def import_events(self, items: list[dict[str, Any]], *, source: str) -> int:
        """Append the old app's events of this session (each with its ``id`` in ``source``, its
        verdict and times as the old app recorded them); those at or below the last id imported
        are already here. Returns how many were new."""
        # (Sessions stored before imports existed have no mark: nothing of theirs came over.)
        through = getattr(self, "imported_through", 0)
        fresh = [i for i in items if int(i["id"]) > through]
        if fresh:
            self._events_imported(source=source, items=fresh)
        return len(fresh)

    @event("EventsImported")
    def _events_imported(self, source: str, items: list[dict[str, Any]]) -> None:
        self.events_total += len(items)
        self.violations_total += sum(1 for i in items if i["violated"])
        self.imported_through = max(int(i["id"]) for i in items)

    def report_events(
        self,
        items: list[ClientEvent],
        *,
        now: datetime,
        rule: RevokeRule,
        budget: EventBudget = UNLIMITED,
    ) -> ReportOutcome:
        """Judge a batch against the session's policy; revoke when the counters say so. A
        batch past the session's total budget is refused whole (``EventBudgetExhausted``):
        nothing of it is recorded or counted."""
        self.check_active()
        budget.check_total(self.events_total, len(items))
        now_ts, started_ts = now.timestamp(), self.started_at.timestamp()
        judged: list[dict[str, Any]] = []
        for item in items:
            violated, reason = judge_event(item.type, self.policy)
            judged.append(
                {
                    "type": item.type,
                    "occurred_at": within_session(item.occurred_at, started_ts, now_ts),
                    "payload": item.payload,
                    "violated": violated,
                    "reason": reason,
                }
            )
        violated_now = sum(1 for j in judged if j["violated"])
        if judged:
            self._events_reported(items=judged, received_at=now)
        revoked = should_revoke(
            violated=self.violations_total,
            total=self.events_total,
            threshold=rule.threshold,
            ratio=rule.ratio,
        )
        if revoked:
            last_reason = next((j["reason"] for j in reversed(judged) if j["reason"]), "")
            self._revoked(
                reason=f"violations:{last_reason}" if last_reason else "violations", at=now
            )
        return ReportOutcome(stored=len(judged), violated=violated_now, revoked=revoked)

    @event("EventsReported")
    def _events_reported(self, items: list[dict[str, Any]], received_at: datetime) -> None:
        self.events_total += len(items)
        self.violations_total += sum(1 for i in items if i["violated"])

    def follow_policy(
        self,
        policy: dict[str, Any] | None,
        *,
        policy_version: int,
        grant_version: int,
        now: datetime,
    ) -> PolicyChange:
        """Go on under the rules now in force (``policy``, None: the student is blocked) if
        they take nothing away from the session's (``classify_change``); a tightening refuses
        (``PolicyTightened``) before the session's status is looked at, as the seed checked the
        versions first. Records ``PolicyUpdated`` only when the policy or versions differ, so a
        second caller with the same news records nothing."""
        change = classify_change(self.policy, policy)
        if policy is None or change == PolicyChange.TIGHTENED:
            raise PolicyTightened("policy_changed")
        self.check_active()
        if policy != self.policy or (policy_version, grant_version) != self.versions:
            self._policy_updated(
                policy=policy,
                policy_version=policy_version,
                grant_version=grant_version,
                change=change.value,
                at=now,
            )
        return change

    @event("PolicyUpdated")
    def _policy_updated(
        self,
        policy: dict[str, Any],
        policy_version: int,
        grant_version: int,
        change: str,
        at: datetime,
    ) -> None:
        self.policy = policy
        self.policy_version = policy_version
        self.grant_version = grant_version

    @property
    def versions(self) -> tuple[int, int]:
        """The (policy, grant) versions of the policy in force."""
        return self.policy_version, self.grant_version

    def end(self, *, now: datetime) -> None:
        self.check_active()
        self._ended(at=now)

    @event("Ended")
    def _ended(self, at: datetime) -> None:
        self.status = SessionStatus.ENDED
        self.ended_at = at

    def revoke(self, *, reason: str, now: datetime) -> None:
        self.check_active()
        self._revoked(reason=reason, at=now)

    @event("Revoked")
    def _revoked(self, reason: str, at: datetime) -> None:
        self.status = SessionStatus.REVOKED
        self.revoke_reason = reason
        self.ended_at = at

    def expire(self, *, now: datetime) -> bool:
        """Liveness lapsed. Idempotent: a session already closed stays as it is."""
        if self.status != SessionStatus.ACTIVE:
            return False
        self._expired(at=now)
        return True

    @event("Expired")
    def _expired(self, at: datetime) -> None:
        self.status = SessionStatus.EXPIRED
        self.ended_at = at

    @property
    def is_active(self) -> bool:
        return self.status == SessionStatus.ACTIVE

    def check_active(self) -> None:
        if self.status != SessionStatus.ACTIVE:
            raise SessionInactive("session_inactive")


def within_session(occurred_at: float | None, started: float, now: float) -> float:
    """A player's time for an event, kept within its session's life: an event cannot happen
    before the session started (a backdated violation would fall out of every analytics range)
    or after the server's now. No time, or no number, is now. (The projection applies it again
    to events stored before this rule, which may hold any number.)"""
    if occurred_at is None or not math.isfinite(occurred_at):
        return now
    return min(max(float(occurred_at), started), now)


class SessionInactive(DomainError):
    pass


class PolicyTightened(DomainError):
    pass
