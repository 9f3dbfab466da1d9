"""WatchProgress: how much of one video one student has really watched.

Heartbeats report positions. Only plausible advances count: between two heartbeats of the same
playback session the position may move at most elapsed × max_rate + grace seconds; a bigger jump
(a seek, or a forged position) moves the anchor but credits nothing. The grace absorbs network
jitter once; it does not add up over rapid heartbeats (see ``record``). Coverage is the union of the
credited ranges, so watching the same minute twice counts once.

Each playback session has its own anchor (the last few sessions are remembered), so a second
device left open, paused, does not stop the one being watched from counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from . import ids
from .errors import InvalidValue
from .ranges import Range, at_most, covered, merge_all

DEFAULT_COMPLETION_THRESHOLD = 0.95
DEFAULT_GRACE_SECONDS = 2.0
ANCHORS_KEPT = 8  # sessions whose last heartbeat is remembered
# Disjoint watched ranges kept: a student seeking around a three-hour lecture every 20 s makes
# about as many. A player crediting slivers and jumping back between them would otherwise grow
# one progress without bound (kept in memory, merged on every flush); past this the shortest
# are dropped (``ranges.at_most``: progress never goes down, it may count them again later).
MAX_RANGES = 500


@dataclass(frozen=True, slots=True)  # one object per kept anchor, not two
class Sample:
    """One heartbeat: the player's position (seconds) at server time ``at``."""

    session_id: str
    position: float
    at: datetime


@dataclass(frozen=True)
class Plausibility:
    max_rate: float = 1.0
    grace_seconds: float = DEFAULT_GRACE_SECONDS


class WatchProgress(Aggregate):
    @staticmethod
    def create_id(video_id: int, enrollment_id: int) -> UUID:
        return ids.progress_id(video_id, enrollment_id)

    @event("Created")
    def __init__(self, video_id: int, enrollment_id: int, tenant: str, progress_id: int) -> None:
        self.video_id = video_id
        self.enrollment_id = enrollment_id
        self.tenant = tenant
        self.progress_id = progress_id
        self.ranges: list[Range] = []
        self.progress = 0.0
        self.last_position = 0.0
        self.max_position = 0.0
        self.completed = False
        self.anchors: dict[str, Sample] = {}  # per playback session, the most recent last
        self.paced_at: datetime | None = None  # by when all that was credited could be watched
        self.rejected_jumps = 0

    class Imported(Aggregate.Created):
        """The progress's history begins in the old app: ``source`` names its row there
        (``video_videoprogress:9``). Only the totals come along: the old app kept no ranges,
        so what was watched before counts as ``progress`` without coverage."""

        video_id: int
        enrollment_id: int
        tenant: str
        progress_id: int
        source: str
        progress: float
        last_position: float
        completed: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.progress = self.progress
            aggregate.last_position = self.last_position
            aggregate.max_position = self.last_position
            aggregate.completed = self.completed

    @classmethod
    def imported(
        cls,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        progress_id: int,
        source: str,
        progress: float,
        last_position: float,
        completed: bool,
    ) -> WatchProgress:
        if not 0.0 <= progress <= 1.0:
            raise InvalidValue("progress", "progress must be between 0 and 1")
        if last_position < 0:
            raise InvalidValue("last_position", "last_position must not be negative")
        return cls._create(
            cls.Imported,
            id=cls.create_id(video_id, enrollment_id),
            video_id=video_id,
            enrollment_id=enrollment_id,
            tenant=tenant,
            progress_id=progress_id,
            source=source,
            progress=progress,
            last_position=last_position,
            completed=completed,
        )

    def record(
        self,
        samples: list[Sample],
        *,
        duration: float,
        plausibility: Plausibility,
        completion_threshold: float = DEFAULT_COMPLETION_THRESHOLD,
    ) -> bool:
        """Credit the plausible advances among these heartbeats; True if this completes the video.

        Several heartbeats may be recorded as one event, so a busy video is not one write per beat.
        """
        if not samples:
            return False
        anchors, paced = dict(self.anchors), self.paced_at
        credited: dict[str, list[Range]] = {}
        rejected: dict[str, int] = {}
        for sample in samples:
            position = max(0.0, min(float(sample.position), duration)) if duration > 0 else 0.0
            session = sample.session_id
            anchor, at = anchors.get(session), sample.at
            credited.setdefault(session, [])
            rejected.setdefault(session, 0)
            if anchor is not None:
                # Time is measured from the anchor, or from when everything credited so far (in
                # any session) could have been watched, if later: sessions played side by side
                # share one clock, so N of them do not earn N× the rate.
                since = anchor.at if paced is None else max(anchor.at, paced)
                elapsed = (sample.at - since).total_seconds()
                advance = position - anchor.position
                allowed = elapsed * plausibility.max_rate + plausibility.grace_seconds
                at = max(sample.at, anchor.at)
                if 0 < advance <= allowed:
                    credited[session].append((anchor.position, position))
                    if plausibility.max_rate > 0:
                        # When a real player could have reached the position: it may run ahead
                        # of the clock, so the grace is one allowance, not one per heartbeat
                        # (rapid beats, each a grace further, would otherwise add up to many
                        # times the speed: docs/benchmarks.md, Playback over HTTP); it may lag
                        # the clock by up to the grace, so a beat that arrived late does not
                        # cost the next interval.
                        reached = since + timedelta(seconds=advance / plausibility.max_rate)
                        slack = sample.at - timedelta(seconds=plausibility.grace_seconds)
                        at = max(reached, slack)
                        paced = at if paced is None else max(paced, at)
                elif advance > allowed:
                    rejected[session] += 1
            anchors.pop(session, None)  # re-inserted last: the most recent session last
            anchors[session] = Sample(session, position, at)
        watched = merge_all(self.ranges, [r for ranges in credited.values() for r in ranges])
        progress = self.progress
        if duration > 0:
            progress = max(progress, min(1.0, covered(watched) / duration))
        for session in (s for s in anchors if s in credited):  # in the order last heard
            self._positions_recorded(
                session_id=session,
                watched=[list(r) for r in credited[session]],
                last_position=anchors[session].position,
                at=anchors[session].at,
                progress=progress,
                rejected_jumps=rejected[session],
            )
        if not self.completed and progress >= completion_threshold:
            self._completed(progress=progress)
            return True
        return False

    @event("PositionsRecorded")
    def _positions_recorded(
        self,
        session_id: str,
        watched: list[list[float]],
        last_position: float,
        at: datetime,
        progress: float,
        rejected_jumps: int,
    ) -> None:
        self.ranges = at_most(merge_all(self.ranges, [(a, b) for a, b in watched]), MAX_RANGES)
        self.last_position = last_position
        self.max_position = max(self.max_position, last_position)
        self.anchors.pop(session_id, None)
        self.anchors[session_id] = Sample(session_id, last_position, at)
        if watched:  # (an anchor moved on by a later beat errs late: never more credit)
            self.paced_at = at if self.paced_at is None else max(self.paced_at, at)
        while len(self.anchors) > ANCHORS_KEPT:
            del self.anchors[next(iter(self.anchors))]  # the session heard from longest ago
        self.progress = progress
        self.rejected_jumps += rejected_jumps

    @event("Completed")
    def _completed(self, progress: float) -> None:
        self.completed = True

    def correct(
        self,
        *,
        progress: float | None = None,
        completed: bool | None = None,
        last_position: float | None = None,
    ) -> bool:
        """Manual correction by staff. True if this newly completes the video."""
        progress = self.progress if progress is None else float(progress)
        if not 0.0 <= progress <= 1.0:
            raise InvalidValue("progress", "progress must be between 0 and 1")
        last_position = self.last_position if last_position is None else float(last_position)
        if last_position < 0:
            raise InvalidValue("last_position", "last_position must not be negative")
        completed = self.completed if completed is None else bool(completed)
        newly_completed = completed and not self.completed
        self._corrected(progress=progress, completed=completed, last_position=last_position)
        return newly_completed

    @event("Corrected")
    def _corrected(self, progress: float, completed: bool, last_position: float) -> None:
        if progress < self.progress:
            # Corrected down: what was credited no longer stands (or the next heartbeat would
            # put the coverage back); from here the student's progress is what they watch anew.
            self.ranges = []
        self.progress = progress
        self.completed = completed
        self.last_position = last_position
        self.max_position = max(self.max_position, last_position)
