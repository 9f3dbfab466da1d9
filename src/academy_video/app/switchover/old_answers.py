"""The old app's side of ``import django --verify``: its answers for each video, computed from its
tables with its own rules (the adapter: ``adapters/legacy/old_rules.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

Row = dict[str, Any]


@dataclass(frozen=True)
class OldVideo:
    """One video of the old database, as its row and its session say."""

    video_id: int
    tenant: str  # the tenant's code
    session_id: int
    lecture_id: int
    fields: Row  # title, file_key, duration, order, status, allow_skip, max_speed, …


class OldAnswers(Protocol):
    """The old app's answers for one video, computed from its tables with its rules."""

    def videos(self) -> Iterator[OldVideo]:
        """Every video, by id, read a page at a time."""
        ...

    def permissions(self, video: OldVideo) -> list[Row]:
        """``VideoPermission`` rows by id: ``id``, ``enrollment``, ``student_name``, the rule
        fields, ``is_override``, and ``policy`` (the old ``_effective_policy`` without its
        concurrency part, which came from the old settings)."""
        ...

    def students(self, video: OldVideo) -> list[Row]:
        """``stats``' students (ACTIVE enrollments of the lecture), by enrollment."""
        ...

    def summary(self, video: OldVideo, since: datetime | None) -> Row:
        """``summary``: ``total_students``, ``completed_count``, ``completion_rate``,
        ``watched_seconds_est``, ``risk_top`` (``enrollment``, ``student_name``, ``score``)."""
        ...

    def achievement(self, video: OldVideo) -> Row:
        """``achievement``: ``summary`` and ``students`` (each with ``raw_progress``, the share
        the old band was judged from)."""
        ...

    def risk(self, video: OldVideo, since: datetime | None) -> list[Row]:
        """Every student with an event in range, in the old order: ``enrollment_id``,
        ``student_name``, ``score``, ``danger``, ``warn``, ``info``, ``last_occurred_at`` and
        ``last_received_at`` (the latest event's arrival)."""
        ...
