"""Instructor analytics: per-video statistics, summary, achievement and policy impact; the
playback events list, the risk ranking and the CSV export, over one tenant's read models.

The database does the counting (the ``AnalyticsQueries`` port; SQL: ``adapters/sql/
analytics.py``, which builds its scores and effective rules from ``domain/policy.py``); this
module checks the input, measures ranges from the ``Clock`` and bands the students as
``domain/achievement.py`` says, with the configured completion threshold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from academy_video.domain import achievement
from academy_video.domain.policy import ClientEventType

from .errors import Invalid, NotFound
from .ports import Clock

# The ranges a caller may ask for, back from now (``all``: no bound).
RANGES: Final[dict[str, timedelta | None]] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "all": None,
}
# The range each view answers when none is asked (the console starts from these too).
DEFAULT_RANGES: Final[dict[str, str]] = {"summary": "7d", "risk": "24h", "events": "24h"}
RISK_TOP = 5  # the riskiest students a summary names
EVENT_TYPES: Final = frozenset(t.value for t in ClientEventType)

Row = dict[str, Any]  # one read-model row, keyed by the names each query documents


class AnalyticsQueries(Protocol):
    """The read models' answers, each for one tenant."""

    def video(self, tenant: str, video_id: int) -> Row | None:
        """The tenant's video row (``video_id``, ``session_id``, ``duration``, …), or None."""
        ...

    def students(self, tenant: str, video: Row) -> list[Row]:
        """ACTIVE enrollments of the video's lecture: ``enrollment``, ``student_name``,
        ``attendance_status``, ``progress``, ``completed``, ``rule``, ``effective_rule``,
        ``parent_phone``, ``student_phone``, ``school``, ``grade``; by enrollment."""
        ...

    def online_students(self, tenant: str, video: Row) -> list[Row]:
        """Students attending the video's session ONLINE: ``enrollment``, ``student_name``,
        ``progress``, ``completed``, ``watched_seconds``; by enrollment."""
        ...

    def completion(self, tenant: str, video: Row) -> Row:
        """Over ACTIVE enrollments: ``total_students``, ``completed_count`` and
        ``watched_seconds_est`` (Σ ⌊progress × duration⌋)."""
        ...

    def risk(self, tenant: str, video_id: int, *, since: datetime | None, limit: int) -> list[Row]:
        """Per student: ``enrollment_id``, ``student_name``, ``score``, ``danger``, ``warn``,
        ``info``, ``last_occurred_at``; by score, then danger, then warn."""
        ...

    def events(
        self,
        tenant: str,
        *,
        video_id: int | None,
        enrollment_id: int | None,
        violated: bool | None,
        since: datetime | None,
        event_types: Sequence[str],
        search: str | None,
        limit: int | None,
        offset: int,
        event_id: int | None = None,
    ) -> tuple[Iterator[Row], int]:
        """The matching events (every stored column, ``student_name``, ``severity``, ``score``,
        ``policy_snapshot``: the policy the event was judged against), newest first by the
        server's time, and how many match; without ``limit`` every match, read a page at a
        time. ``event_id``: only that event, if it matches."""
        ...

    def export(self, tenant: str, video_id: int, *, since: datetime | None) -> Iterator[Row]:
        """Every event of the video in the range, newest first, read a page at a time."""
        ...


@dataclass(frozen=True)
class Summary:
    video_id: int
    range: str
    total_students: int
    completed_count: int
    completion_rate: float  # 0..1
    watched_seconds_est: int
    risk_top: list[Row]  # as ``AnalyticsQueries.risk``


@dataclass(frozen=True)
class StudentAchievement:
    enrollment: int
    student_name: str
    progress: float  # percent
    completed: bool
    watched_seconds: float
    status: achievement.Band


@dataclass(frozen=True)
class Achievement:
    totals: achievement.Totals
    students: list[StudentAchievement]


@dataclass(frozen=True)
class EventFilter:
    """What the events list (and the retrieve, as the seed's) is narrowed by; None: any."""

    video_id: int | None = None
    enrollment_id: int | None = None
    violated: bool | None = None
    range_key: str | None = None  # a RANGES key; None: DEFAULT_RANGES["events"]
    event_types: str | None = None  # comma-separated ClientEventType values
    search: str | None = None  # in the student's name, the session id, the user id


@dataclass(frozen=True)
class Export:
    video_id: int
    range: str
    rows: Iterator[Row]  # as ``AnalyticsQueries.export``


class AnalyticsService:
    def __init__(
        self, queries: AnalyticsQueries, clock: Clock, *, completion_threshold: float
    ) -> None:
        self.queries = queries
        self.clock = clock
        self.completion_threshold = completion_threshold

    def video(self, tenant: str, video_id: int) -> Row:
        """The tenant's video, or NotFound."""
        row = self.queries.video(tenant, video_id)
        if row is None:
            raise NotFound()
        return row

    def students(self, tenant: str, video: Row) -> list[Row]:
        """Stats and policy impact: each ACTIVE student's progress, rule and effective rule."""
        return self.queries.students(tenant, video)

    def summary(self, tenant: str, video_id: int, range_key: str | None) -> Summary:
        """Completion over ACTIVE enrollments, the watched-seconds estimate, the riskiest."""
        key = range_key or DEFAULT_RANGES["summary"]
        since = self.since(key)
        video = self.video(tenant, video_id)
        counts = self.queries.completion(tenant, video)
        top = self.queries.risk(tenant, video_id, since=since, limit=RISK_TOP)
        total, completed = counts["total_students"], counts["completed_count"]
        return Summary(
            video_id=video_id,
            range=key,
            total_students=total,
            completed_count=completed,
            completion_rate=achievement.completion_rate(completed, total),
            watched_seconds_est=counts["watched_seconds_est"],
            risk_top=top,
        )

    def achievement(self, tenant: str, video_id: int) -> Achievement:
        """Students attending the session ONLINE, each in their band, and the totals."""
        rows = self.queries.online_students(tenant, self.video(tenant, video_id))
        students = [
            StudentAchievement(
                enrollment=r["enrollment"],
                student_name=r["student_name"],
                progress=achievement.percent(r["progress"]),
                completed=bool(r["completed"]),
                watched_seconds=r["watched_seconds"],
                status=achievement.band(r["progress"], self.completion_threshold),
            )
            for r in rows
        ]
        totals = achievement.totals([(r["progress"], bool(r["completed"])) for r in rows])
        return Achievement(totals, students)

    def events(
        self,
        tenant: str,
        filters: EventFilter,
        *,
        limit: int | None,
        offset: int,
        event_id: int | None = None,
    ) -> tuple[Iterator[Row], int]:
        """The events list: the page, or every match (``event_id``: only that event)."""
        types = [x for x in (filters.event_types or "").split(",") if x]
        if any(x not in EVENT_TYPES for x in types):
            raise Invalid("event_type")
        return self.queries.events(
            tenant,
            video_id=filters.video_id,
            enrollment_id=filters.enrollment_id,
            violated=filters.violated,
            since=self.since(filters.range_key or DEFAULT_RANGES["events"]),
            event_types=types,
            search=filters.search,
            limit=limit,
            offset=offset,
            event_id=event_id,
        )

    def event(self, tenant: str, event_id: int, filters: EventFilter) -> Row:
        """One event of the list, by id, as the seed's retrieve found it: in the list the same
        filters give (its default range too: 24 h), else NotFound."""
        rows, _ = self.events(tenant, filters, limit=1, offset=0, event_id=event_id)
        row = next(rows, None)
        if row is None:
            raise NotFound()
        return row

    def risk(
        self, tenant: str, video_id: int | None, range_key: str | None, limit: int
    ) -> list[Row]:
        """Students by Σ score, then danger, then warn events."""
        video = self.required_video(tenant, video_id)
        since = self.since(range_key or DEFAULT_RANGES["risk"])
        return self.queries.risk(tenant, video, since=since, limit=limit)

    def export(self, tenant: str, video_id: int | None, range_key: str | None) -> Export:
        """Every event of the video in the range, to be streamed."""
        video = self.required_video(tenant, video_id)
        key = range_key or DEFAULT_RANGES["events"]  # the export is the events list, whole
        return Export(video, key, self.queries.export(tenant, video, since=self.since(key)))

    def required_video(self, tenant: str, video_id: int | None) -> int:
        if video_id is None:
            raise Invalid("video is required")
        return int(self.video(tenant, video_id)["video_id"])

    def since(self, key: str) -> datetime | None:
        """The start of a named range (None: no bound); Invalid ``range`` for another name."""
        if key not in RANGES:
            raise Invalid("range")
        span = RANGES[key]
        return None if span is None else self.clock.now() - span
