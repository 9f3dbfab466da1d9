"""PlaybackSessions: the PlaybackSession aggregates' application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from academy_video.domain.playback_session import (
    ClientEvent,
    PlaybackSession,
    ReportOutcome,
    RevokeRule,
)

from .applications import EventSourcedApp

T = TypeVar("T")


class PlaybackSessions(EventSourcedApp):
    def record_start(self, session: PlaybackSession) -> None:
        self.save(session)

    def get(self, session_id: str) -> PlaybackSession:
        return self.load(PlaybackSession.create_id(session_id), PlaybackSession)

    def report(
        self, session_id: str, items: list[ClientEvent], *, now: datetime, rule: RevokeRule
    ) -> ReportOutcome:
        return self._do(session_id, lambda s: s.report_events(items, now=now, rule=rule))

    def end(self, session_id: str, *, now: datetime) -> None:
        self._do(session_id, lambda s: s.end(now=now))

    def revoke(self, session_id: str, *, reason: str, now: datetime) -> None:
        self._do(session_id, lambda s: s.revoke(reason=reason, now=now))

    def expire(self, session_id: str, *, now: datetime) -> bool:
        return self._do(session_id, lambda s: s.expire(now=now))

    def _do(self, session_id: str, command: Callable[[PlaybackSession], T]) -> T:
        return self.apply(PlaybackSession.create_id(session_id), PlaybackSession, command)
