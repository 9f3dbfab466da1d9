"""Instructor analytics, computed by the database (``app/analytics.py: AnalyticsQueries``): the
seed iterated every playback event in Python; here scores, severities and per-student sums are
SQL expressions and GROUP BYs, so a video with a million stored events is answered from the index
(tests/bench/bench_analytics.py).

Scores, severities and effective rules are ``rules.py``'s expressions, built from
``domain/policy.py`` (one home for each rule), not restated here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from academy_video.domain.policy import ANALYTICS_WEIGHTS, LIST_WEIGHTS, Severity

from . import rules
from . import tables as t
from .read import like_pattern
from .student_analytics import Row, SqlStudentAnalytics

STREAM_ROWS = 2_000  # rows per page when the events list or the export is read in full
POLICIES_KEPT = 10_000  # distinct policies kept decoded (an academy has a few hundred)

e = t.playback_events


def score(weights: dict[str, int]) -> ColumnElement[int]:
    """A stored event's score (``rules.event_score``) by ``weights``."""
    return rules.event_score(e.c.event_type, e.c.violated, e.c.violation_reason, weights)


def severity() -> ColumnElement[str]:
    """A stored event's severity (``rules.severity``)."""
    return rules.severity(e.c.event_type, e.c.violated)


def _student_name(enrollment: ColumnElement[int]) -> Any:
    return (
        select(t.students.c.name)
        .join(t.enrollments, t.enrollments.c.student_id == t.students.c.student_id)
        .where(t.enrollments.c.enrollment_id == enrollment)
        .scalar_subquery()
    )


class SqlAnalytics(SqlStudentAnalytics):
    """``AnalyticsQueries`` over the read models: the per-student queries (inherited) and the
    playback events'."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._policies: dict[int, dict[str, Any]] = {}  # policy_key → policy, as stored

    def risk(self, tenant: str, video_id: int, *, since: datetime | None, limit: int) -> list[Row]:
        """Per student: Σ score, events by severity, the latest; highest score first.

        Read from the hourly sums (``playback_event_hours``) for the whole hours of the range,
        plus the raw rows of the hour the range starts in: a million events are a few thousand
        sums, and the answer is exact (tests check it against the raw rows)."""
        h = t.playback_event_hours
        sums = select(
            h.c.enrollment_id, h.c.score, h.c.danger, h.c.warn, h.c.info, h.c.last_occurred_at
        ).where(and_(h.c.tenant == tenant, h.c.video_id == video_id))
        parts: list[Select[Any]] = [sums]
        if since is not None:
            boundary = _next_hour(since)
            sev = severity()
            edge = select(
                e.c.enrollment_id,
                score(ANALYTICS_WEIGHTS).label("score"),
                case((sev == Severity.DANGER.value, 1), else_=0).label("danger"),
                case((sev == Severity.WARN.value, 1), else_=0).label("warn"),
                case((sev == Severity.INFO.value, 1), else_=0).label("info"),
                e.c.occurred_at.label("last_occurred_at"),
            ).where(and_(self._events_of(tenant, video_id, since), e.c.occurred_at < boundary))
            parts = [sums.where(h.c.hour >= boundary), edge]
        rows = union_all(*parts).subquery()
        total, danger, warn = (
            func.sum(rows.c.score),
            func.sum(rows.c.danger),
            func.sum(rows.c.warn),
        )
        query = (
            select(
                rows.c.enrollment_id,
                func.coalesce(_student_name(rows.c.enrollment_id), "").label("student_name"),
                total.label("score"),
                danger.label("danger"),
                warn.label("warn"),
                func.sum(rows.c.info).label("info"),
                func.max(rows.c.last_occurred_at).label("last_occurred_at"),
            )
            .group_by(rows.c.enrollment_id)
            .order_by(total.desc(), danger.desc(), warn.desc(), rows.c.enrollment_id)
            .limit(limit)
        )
        return self._all(query)

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
        """The events that match, newest first in a stable order, and how many match in all.
        With a ``limit``, that page; without, every match, read in keyset pages (a
        caller that reads them all keeps memory flat). ``event_id``: only that event."""
        conditions: list[ColumnElement[bool]] = [e.c.tenant == tenant]
        if event_id is not None:
            conditions.append(e.c.event_id == event_id)
        if video_id is not None:
            conditions.append(e.c.video_id == video_id)
        if enrollment_id is not None:
            conditions.append(e.c.enrollment_id == enrollment_id)
        if violated is not None:
            conditions.append(e.c.violated.is_(true() if violated else false()))
        if since is not None:
            conditions.append(e.c.occurred_at >= since)
        if event_types:
            conditions.append(e.c.event_type.in_(event_types))
        if search:
            pattern = like_pattern(search)
            name = func.lower(func.coalesce(_student_name(e.c.enrollment_id), ""))
            conditions.append(
                or_(
                    name.like(pattern, escape="\\"),
                    func.lower(e.c.session_id).like(pattern, escape="\\"),
                    cast(e.c.user_id, String).like(pattern, escape="\\"),
                )
            )
        where = and_(*conditions)
        query = (
            select(
                e,
                func.coalesce(_student_name(e.c.enrollment_id), "").label("student_name"),
                severity().label("severity"),
                score(LIST_WEIGHTS).label("score"),
            )
            .where(where)
            .order_by(*_NEWEST_FIRST)
        )
        counted = select(func.count()).select_from(e).where(where)
        if limit is None:
            with self.engine.connect() as conn:
                total = conn.execute(counted).scalar_one()
            return self._newest_first(query, offset, self._add_policies), int(total)
        with self.engine.connect() as conn:
            page = conn.execute(query.limit(limit).offset(offset)).mappings()
            rows = [dict(r) for r in page]
            self._add_policies(conn, rows)
            total = conn.execute(counted).scalar_one()
        return iter(rows), int(total)

    def export(self, tenant: str, video_id: int, *, since: datetime | None) -> Iterator[Row]:
        """Every event of the video, newest first, read a page at a time: memory stays flat
        however many rows there are."""
        query = (
            select(
                e.c.occurred_at,
                func.coalesce(_student_name(e.c.enrollment_id), "").label("student_name"),
                e.c.enrollment_id,
                e.c.event_type,
                e.c.violated,
                e.c.violation_reason,
                e.c.session_id,
                e.c.user_id,
                score(ANALYTICS_WEIGHTS).label("score"),
                e.c.payload,
                *_KEY,
            )
            .where(self._events_of(tenant, video_id, since))
            .order_by(*_NEWEST_FIRST)
        )
        return self._newest_first(query, 0)

    def _newest_first(
        self,
        query: Select[Any],
        offset: int,
        complete: Callable[[Connection, list[Row]], None] | None = None,
    ) -> Iterator[Row]:
        """The rows of ``query`` (ordered ``_NEWEST_FIRST``, with the ``_KEY`` columns), a page of
        STREAM_ROWS per query, each page after the last row of the one before (keyset), given to
        ``complete`` first if any. A connection is held only while a page is read, never while
        a slow client reads the response, so streams cannot starve the pool."""
        page = query.limit(STREAM_ROWS).offset(offset)
        while True:
            with self.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(page).mappings()]
                if complete is not None:
                    complete(conn, rows)
            yield from rows
            if len(rows) < STREAM_ROWS:
                return
            last = tuple(rows[-1][column.name] for column in _KEY)
            page = query.where(tuple_(*_KEY) < tuple_(*last)).limit(STREAM_ROWS)

    # Helpers ----------------------------------------------------------------------------------

    def _add_policies(self, conn: Connection, rows: list[Row]) -> None:
        """Each row's ``policy_snapshot``, from its ``policy_key``. A key names one content for
        ever (``projections.policy_key``), so policies are kept once read: a page asks only for
        those not seen yet, and each is decoded once, not once per row."""
        kept, keys = self._policies, {r["policy_key"] for r in rows}
        page = {key: kept[key] for key in keys if key in kept}
        missing = keys - page.keys()
        if missing:
            p = t.playback_policies
            query = select(p.c.policy_key, p.c.policy).where(p.c.policy_key.in_(missing))
            found: dict[int, dict[str, Any]] = dict(conn.execute(query).tuples().all())
            page.update(found)
            if len(self._policies) + len(found) > POLICIES_KEPT:
                self._policies = {}  # a new dict: other threads keep reading the one they hold
            self._policies.update(found)
        for row in rows:
            row["policy_snapshot"] = page.get(row["policy_key"], {})

    @staticmethod
    def _events_of(tenant: str, video_id: int, since: datetime | None) -> ColumnElement[bool]:
        conditions = [e.c.tenant == tenant, e.c.video_id == video_id]
        if since is not None:
            conditions.append(e.c.occurred_at >= since)
        return and_(*conditions)


# Newest first (the server's time), ties broken by the id as the seed's ``-occurred_at, -id``:
# pages neither repeat nor skip rows.
_KEY = (e.c.occurred_at, e.c.event_id)
_NEWEST_FIRST = tuple(column.desc() for column in _KEY)


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour at or after ``moment``."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + timedelta(hours=1)
