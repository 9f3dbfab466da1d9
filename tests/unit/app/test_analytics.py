"""The analytics use cases (app/analytics.py) over a fake of their query port: ranges are
measured from the Clock, input is checked before any query, and the achievement bands use the
configured completion threshold."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_video.app.analytics import AnalyticsService, EventFilter, Row
from academy_video.app.errors import Invalid, NotFound
from academy_video.domain.achievement import Band

NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
VIDEO = {"video_id": 7, "session_id": 10, "duration": 100}


class FixedClock:
    def now(self) -> datetime:
        return NOW


class FakeAnalyticsQueries:
    """Answers from fixed rows and records the ``since`` each query was given."""

    def __init__(self, online: list[Row] | None = None) -> None:
        self.online = online or []
        self.since: list[datetime | None] = []

    def video(self, tenant: str, video_id: int) -> Row | None:
        return VIDEO if (tenant, video_id) == ("demo", 7) else None

    def students(self, tenant: str, video: Row) -> list[Row]:
        return []

    def online_students(self, tenant: str, video: Row) -> list[Row]:
        return self.online

    def completion(self, tenant: str, video: Row) -> Row:
        return {"total_students": 4, "completed_count": 1, "watched_seconds_est": 120}

    def risk(self, tenant: str, video_id: int, *, since: datetime | None, limit: int) -> list[Row]:
        self.since.append(since)
        return []

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
        self.since.append(since)
        return iter([]), 0

    def export(self, tenant: str, video_id: int, *, since: datetime | None) -> Iterator[Row]:
        self.since.append(since)
        return iter([])


def service(queries: FakeAnalyticsQueries, threshold: float = 0.95) -> AnalyticsService:
    return AnalyticsService(queries, FixedClock(), completion_threshold=threshold)


def events(analytics: AnalyticsService, **filters: Any) -> tuple[Iterator[Row], int]:
    return analytics.events("demo", EventFilter(**filters), limit=None, offset=0)


def test_ranges_are_measured_from_the_clock() -> None:
    queries = FakeAnalyticsQueries()
    analytics = service(queries)
    summary = analytics.summary("demo", 7, None)
    assert (summary.range, summary.completion_rate) == ("7d", 0.25)
    analytics.risk("demo", 7, "24h", 5)
    events(analytics, range_key="all")
    assert analytics.export("demo", 7, None).range == "24h"
    assert queries.since == [
        NOW - timedelta(days=7),
        NOW - timedelta(hours=24),
        None,
        NOW - timedelta(hours=24),
    ]


def test_input_is_refused_before_any_query() -> None:
    queries = FakeAnalyticsQueries()
    analytics = service(queries)
    with pytest.raises(Invalid, match="range"):
        analytics.summary("demo", 7, "1y")
    with pytest.raises(Invalid, match="event_type"):
        events(analytics, event_types="FOCUS_LOST,TELEPORT")
    with pytest.raises(Invalid, match="video is required"):
        analytics.risk("demo", None, None, 5)
    with pytest.raises(NotFound):
        analytics.export("other", 7, None)
    assert queries.since == []


def test_achievement_bands_use_the_configured_threshold() -> None:
    online = [
        {
            "enrollment": 101,
            "student_name": "A",
            "progress": 0.85,
            "completed": True,
            "watched_seconds": 85.0,
        },
        {
            "enrollment": 102,
            "student_name": "B",
            "progress": 0.4,
            "completed": False,
            "watched_seconds": 40.0,
        },
    ]
    strict, lenient = (
        service(FakeAnalyticsQueries(online)),
        service(FakeAnalyticsQueries(online), 0.8),
    )
    assert [s.status for s in strict.achievement("demo", 7).students] == [Band.WARNING, Band.DANGER]
    result = lenient.achievement("demo", 7)
    assert [s.status for s in result.students] == [Band.COMPLETED, Band.DANGER]
    assert [s.progress for s in result.students] == [85.0, 40.0]
    assert (result.totals.avg_progress, result.totals.completed_rate) == (62.5, 50.0)
