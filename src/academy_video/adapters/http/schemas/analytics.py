"""Instructor analytics: per-video statistics, summary, achievement and policy impact; the
playback events, the risk ranking and the filters they accept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import Struct

from .videos import VideoOut


class StatsStudent(Struct):
    enrollment: int
    student_name: str
    attendance_status: str | None
    progress: float
    completed: bool
    rule: str
    effective_rule: str
    parent_phone: str
    student_phone: str
    school: str | None
    grade: str | None


class StatsOut(Struct):
    video: VideoOut
    students: list[StatsStudent]
    total_filtered: int


class RiskTop(Struct):
    enrollment: int
    student_name: str
    score: int


class SummaryOut(Struct):
    video_id: int
    range: str
    total_students: int
    completed_count: int
    completion_rate: float
    watched_seconds_est: int
    risk_top: list[RiskTop]


class AchievementSummary(Struct):
    total_students: int
    avg_progress: float
    completed_rate: float
    incomplete_count: int


class AchievementStudent(Struct):
    enrollment: int
    student_name: str
    progress: float
    completed: bool
    watched_seconds: int
    status: str


class AchievementOut(Struct):
    summary: AchievementSummary
    students: list[AchievementStudent]


class PolicyImpactRow(Struct):
    enrollment: int
    student_name: str
    rule: str
    effective_rule: str
    completed: bool


class PlaybackEventOut(Struct):
    """The seed's fields in the seed's order, then ``client_occurred_at`` (new)."""

    id: int  # 1, 2, … in the order events were stored; the same after a rebuild
    video: int
    enrollment_id: int
    student_name: str
    session_id: str
    user_id: int
    event_type: str
    violated: bool
    violation_reason: str
    event_payload: dict[str, Any]
    policy_snapshot: dict[str, Any]  # the effective policy the event was judged against
    occurred_at: datetime  # when the server received it (the seed's too)
    received_at: datetime
    severity: str
    score: int
    client_occurred_at: datetime  # the player's own time, kept within the session's life


class RiskRow(Struct):
    enrollment_id: int
    student_name: str
    score: int
    danger: int
    warn: int
    info: int
    last_occurred_at: datetime | None


class TimeRange(Struct):
    key: str  # the ``range`` query value
    seconds: int | None  # how far back it reaches; null: all time


class EventFiltersOut(Struct):
    event_types: list[str]
    ranges: list[TimeRange]
    default_ranges: dict[str, str]  # view (summary, risk, events) -> the range it answers unasked
