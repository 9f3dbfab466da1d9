"""PlaybackSessions: the PlaybackSession aggregates' application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from academy_video.domain.errors import DomainError
from academy_video.domain.event_budget import UNLIMITED, EventBudget
from academy_video.domain.playback_session import (
    ClientEvent,
    PlaybackSession,
    ReportOutcome,
    RevokeRule,
)

from .applications import EventSourcedApp

T = TypeVar("T")


@dataclass(frozen=True)
class Report:
    """One request's batch of player events for one session."""

    session_id: str
    items: list[ClientEvent]
    now: datetime


class PlaybackSessions(EventSourcedApp):
    def record_start(self, session: PlaybackSession) -> None:
        self.save(session)

    def get(self, session_id: str) -> PlaybackSession:
        return self.load(PlaybackSession.create_id(session_id), PlaybackSession)

    def report(
        self,
        session_id: str,
        items: list[ClientEvent],
        *,
        now: datetime,
        rule: RevokeRule,
        budget: EventBudget = UNLIMITED,
    ) -> ReportOutcome:
        return self._do(
            session_id, lambda s: s.report_events(items, now=now, rule=rule, budget=budget)
        )

    def report_many(
        self, reports: list[Report], *, rule: RevokeRule, budget: EventBudget = UNLIMITED
    ) -> list[ReportOutcome | Exception]:
        """Several requests' batches, in order, in one save: one transaction for all of them.
        Each answer is the batch's outcome or what refused it alone (``SessionInactive``,
        ``NotFound``, ``EventBudgetExhausted``: a refused batch changes nothing, so the
        session's total is judged with the batches before it in the group). If another
        process wrote one of these sessions meanwhile, the save is refused whole and each
        batch is reported on its own, with retries."""
        sessions: dict[str, PlaybackSession] = {}
        answers: list[ReportOutcome | Exception] = []
        # Under the sessions' write locks, as ``apply``: this process's other writers of them
        # (an end, a batch retried alone) wait instead of racing this save.
        with self.writing(PlaybackSession.create_id(r.session_id) for r in reports):
            for report in reports:
                try:
                    session = sessions.get(report.session_id) or self.get(report.session_id)
                    sessions[report.session_id] = session
                    answers.append(
                        session.report_events(
                            report.items, now=report.now, rule=rule, budget=budget
                        )
                    )
                except DomainError as refusal:
                    answers.append(refusal)
            try:
                self.save(*sessions.values())
                return answers
            except Exception as error:
                if len(reports) == 1 and not isinstance(error, IntegrityError):
                    raise
        # Another process wrote one of these sessions (retried alone), or one batch cannot be
        # stored: each batch on its own, so a failure is that batch's alone.
        return [self._alone(report, rule, budget) for report in reports]

    def _alone(
        self, report: Report, rule: RevokeRule, budget: EventBudget
    ) -> ReportOutcome | Exception:
        try:
            return self.report(
                report.session_id, report.items, now=report.now, rule=rule, budget=budget
            )
        except Exception as refusal:  # its own caller's answer; the others' stand
            return refusal

    def end(self, session_id: str, *, now: datetime) -> None:
        self._do(session_id, lambda s: s.end(now=now))

    def revoke(self, session_id: str, *, reason: str, now: datetime) -> None:
        self._do(session_id, lambda s: s.revoke(reason=reason, now=now))

    def expire(self, session_id: str, *, now: datetime) -> bool:
        return self._do(session_id, lambda s: s.expire(now=now))

    def _do(self, session_id: str, command: Callable[[PlaybackSession], T]) -> T:
        return self.apply(PlaybackSession.create_id(session_id), PlaybackSession, command)
