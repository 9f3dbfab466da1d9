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
    id: int
    video: int
    enrollment_id: int
    student_name: str
    session_id: str
    user_id: int
    event_type: str
    violated: bool
    violation_reason: str
    event_payload: dict[str, Any]
    occurred_at: datetime
    received_at: datetime
    severity: str
    score: int


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
