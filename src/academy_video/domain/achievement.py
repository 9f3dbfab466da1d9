"""Achievement: how far students are through a video, in the seed's bands and rates.

A student's band is ``completed`` from the completion threshold (the same threshold that
completes a WatchProgress: ``ACADEMY_VIDEO_COMPLETION_THRESHOLD``, one setting for both),
``warning`` from half-way, ``danger`` below. Percentages are rounded to one decimal, as the
seed showed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .progress import DEFAULT_COMPLETION_THRESHOLD

WARNING_FROM: Final = 0.5  # the share watched from which a student is no longer in danger


class Band(StrEnum):
    COMPLETED = "completed"
    WARNING = "warning"
    DANGER = "danger"


def band(progress: float, completion_threshold: float = DEFAULT_COMPLETION_THRESHOLD) -> Band:
    """The band of a student who has watched ``progress`` (0..1) of the video."""
    if progress >= completion_threshold:
        return Band.COMPLETED
    return Band.WARNING if progress >= WARNING_FROM else Band.DANGER


def percent(share: float) -> float:
    """A share (0..1) as the percentage shown, to one decimal."""
    return round(share * 100, 1)


def completion_rate(completed: int, total: int) -> float:
    """The share (0..1) of students who completed; 0 without students."""
    return completed / total if total else 0.0


@dataclass(frozen=True)
class Totals:
    total_students: int
    avg_progress: float  # percent
    completed_rate: float  # percent
    incomplete_count: int


def totals(students: Sequence[tuple[float, bool]]) -> Totals:
    """Over (progress, completed) pairs: how many, their mean progress and completion rate in
    percent (the rate is a plain 0 without students, as the seed answered), how many have not
    completed."""
    total = len(students)
    completed = sum(1 for _, done in students if done)
    average = sum(progress for progress, _ in students) / total if total else 0.0
    return Totals(
        total_students=total,
        avg_progress=percent(average),
        completed_rate=percent(completed / total) if total else 0,
        incomplete_count=total - completed,
    )
