"""Achievement bands and rates (domain/achievement.py): the seed's bands, the completed band
starting where completion does."""

from __future__ import annotations

import pytest

from academy_video.domain.achievement import (
    WARNING_FROM,
    Band,
    Totals,
    band,
    completion_rate,
    percent,
    totals,
)
from academy_video.domain.progress import DEFAULT_COMPLETION_THRESHOLD


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (0.0, Band.DANGER),
        (0.4999, Band.DANGER),
        (0.5, Band.WARNING),
        (0.9499, Band.WARNING),
        (0.95, Band.COMPLETED),
        (1.0, Band.COMPLETED),
    ],
)
def test_the_seeds_bands(progress: float, expected: Band) -> None:
    assert WARNING_FROM == 0.5 and DEFAULT_COMPLETION_THRESHOLD == 0.95
    assert band(progress) == expected


def test_the_completed_band_follows_the_completion_threshold() -> None:
    # A deployment that completes at 80 % shows a student at 80 % as completed, not warned.
    assert band(0.8, 0.8) == Band.COMPLETED
    assert band(0.79, 0.8) == Band.WARNING
    assert band(0.97, 0.99) == Band.WARNING


def test_totals_in_percent() -> None:
    # Alice has watched nothing, Carol all of it; Bob half and was marked completed by staff.
    assert totals([(0.0, False), (1.0, True), (0.5, True)]) == Totals(
        total_students=3, avg_progress=50.0, completed_rate=66.7, incomplete_count=1
    )
    assert percent(0.12345) == 12.3
    assert completion_rate(1, 3) == pytest.approx(1 / 3)


def test_no_students_is_zero_everywhere() -> None:
    empty = totals([])
    assert empty == Totals(0, 0.0, 0, 0)
    assert isinstance(empty.completed_rate, int)  # the seed answered a plain 0
    assert completion_rate(0, 0) == 0.0
