"""The ``playback_events`` rows of a session's stored event and their hourly sums, built for
the projections (``projections.py``) as tuples and per-hour sums: an import projects 200,000
player events at once, and a dict and a counter upsert per event were most of its projection
(docs/benchmarks.md, Issue 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.policy import ANALYTICS_WEIGHTS, Severity, event_score, severity

from . import tables as t
from .batch import Batch

HOUR_MAXIMA = frozenset({"last_occurred_at"})

# ``playback_events``' columns as ``SessionRows`` appends them (``event_id`` numbered by Batch).
EVENT_COLUMNS = (
    "session_aggregate_id",
    "batch_version",
    "item",
    "session_id",
    "tenant",
    "video_id",
    "enrollment_id",
    "user_id",
    "event_type",
    "violated",
    "violation_reason",
    "occurred_at",
    "client_occurred_at",
    "received_at",
    "payload",
    "policy_key",
)
# An hour's sums, in a list while one event is projected: events, score, danger, warn, info,
# last occurred_at.
Sums = list[Any]


class SessionRows:
    """The ``playback_events`` rows of one stored event of a session (tuples in
    ``EVENT_COLUMNS`` order) and their hourly sums, added up per hour in this event and then
    handed to the batch once per hour (not once per player event)."""

    def __init__(self, batch: Batch, session: PlaybackSession, event: Any) -> None:
        self.batch = batch
        self.same = (  # the columns every row of the event shares, in EVENT_COLUMNS order
            session.id,
            event.originator_version,
            session.session_id,
            session.tenant,
            session.video_id,
            session.enrollment_id,
            session.user_id,
        )
        self.session = session
        self.hours: dict[datetime, Sums] = {}
        self.scores: dict[tuple[str, bool, str], tuple[int, int, int, int]] = {}

    def add(
        self,
        number: int,
        item: dict[str, Any],
        occurred: datetime,
        client: datetime,
        received: datetime,
        key: int,
    ) -> None:
        """One player event's row and its share of the hourly sums (``occurred``: the server's
        time, that ranges, risk and order go by)."""
        violated, kind, reason = bool(item["violated"]), item["type"], item["reason"] or ""
        aggregate_id, version, session_id, tenant, video, enrollment, user = self.same
        self.batch.append_row(
            t.playback_events,
            EVENT_COLUMNS,
            (
                aggregate_id,
                version,
                number,
                session_id,
                tenant,
                video,
                enrollment,
                user,
                kind,
                violated,
                reason,
                occurred,
                client,
                received,
                item["payload"] or {},
                key,
            ),
            serial="event_id",
        )
        shares = self.scores.get((kind, violated, reason))
        if shares is None:
            level = severity(kind, violated)
            shares = self.scores[kind, violated, reason] = (
                event_score(kind, violated, reason, ANALYTICS_WEIGHTS),
                int(level == Severity.DANGER),
                int(level == Severity.WARN),
                int(level == Severity.INFO),
            )
        hour = occurred.replace(minute=0, second=0, microsecond=0)
        sums = self.hours.get(hour)
        if sums is None:
            self.hours[hour] = [1, *shares, occurred]
            return
        sums[0] += 1
        sums[1] += shares[0]
        sums[2] += shares[1]
        sums[3] += shares[2]
        sums[4] += shares[3]
        sums[5] = max(sums[5], occurred)

    def add_hours(self) -> None:
        session = self.session
        for hour, (events, score, danger, warn, info, last) in self.hours.items():
            self.batch.increment(
                t.playback_event_hours,
                {
                    "video_id": session.video_id,
                    "enrollment_id": session.enrollment_id,
                    "hour": hour,
                    "tenant": session.tenant,
                    "events": events,
                    "score": score,
                    "danger": danger,
                    "warn": warn,
                    "info": info,
                    "last_occurred_at": last,
                },
                maxima=HOUR_MAXIMA,
            )
