"""Instructor analytics, computed by the database: the seed iterated every playback event in
Python; here scores, severities and per-student sums are SQL expressions and GROUP BYs, so a
video with a million stored events is answered from the index (tests/bench/bench_analytics.py).

The weights, severities and thresholds come from ``domain/policy.py`` (one home for each rule):
the CASE expressions below are generated from its tables, not restated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from academy_video.domain.policy import ANALYTICS_WEIGHTS, LIST_WEIGHTS, WARN_TYPES, Rule

from . import tables as t
from .engine import is_sqlite
from .read import _like

Row = dict[str, Any]

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "all": None}
STREAM_ROWS = 2_000  # rows per page when the events list or the export is read in full

e = t.playback_events


def score(weights: dict[str, int]) -> ColumnElement[int]:
    """``domain.policy.event_score`` as SQL: the type's weight (1 if the table lacks it), ×2 if
    violated, +1 if there is a reason."""
    weight = case(weights, value=e.c.event_type, else_=1)
    doubled = weight * case((e.c.violated, 2), else_=1)
    return doubled + case((e.c.violation_reason != "", 1), else_=0)


def severity() -> ColumnElement[str]:
    """``domain.policy.severity`` as SQL."""
    return case(
        (e.c.violated, literal("danger")),
        (e.c.event_type.in_(sorted(WARN_TYPES)), literal("warn")),
        else_=literal("info"),
    )


def _student_name(enrollment: ColumnElement[int]) -> Any:
    return (
        select(t.students.c.name)
        .join(t.enrollments, t.enrollments.c.student_id == t.students.c.student_id)
        .where(t.enrollments.c.enrollment_id == enrollment)
        .scalar_subquery()
    )


class Analytics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Per student (stats, policy impact, achievement) ------------------------------------------

    def students(self, tenant: str, video: Row) -> list[Row]:
        """ACTIVE enrollments of the video's lecture with their progress, rule and attendance."""
        en, st, p, g, a, s = (
            t.enrollments,
            t.students,
            t.progress,
            t.permissions,
            t.attendance,
            t.lecture_sessions,
        )
        video_id, session_id = video["video_id"], video["session_id"]
        lecture = select(s.c.lecture_id).where(s.c.session_id == session_id).scalar_subquery()
        completed = func.coalesce(p.c.completed, false())
        rule = func.coalesce(g.c.rule, literal(Rule.FREE.value))
        query = (
            select(
                en.c.enrollment_id.label("enrollment"),
                st.c.name.label("student_name"),
                a.c.status.label("attendance_status"),
                func.coalesce(p.c.progress, 0.0).label("progress"),
                completed.label("completed"),
                rule.label("rule"),
                case(
                    (and_(rule == Rule.ONCE.value, completed), literal(Rule.FREE.value)),
                    else_=rule,
                ).label("effective_rule"),
                st.c.parent_phone,
                st.c.phone.label("student_phone"),
                st.c.school,
                st.c.grade,
            )
            .join(st, st.c.student_id == en.c.student_id)
            .outerjoin(p, and_(p.c.video_id == video_id, p.c.enrollment_id == en.c.enrollment_id))
            .outerjoin(
                g,
                and_(
                    g.c.video_id == video_id,
                    g.c.enrollment_id == en.c.enrollment_id,
                    g.c.active.is_(True),
                ),
            )
            .outerjoin(
                a, and_(a.c.session_id == session_id, a.c.enrollment_id == en.c.enrollment_id)
            )
            .where(and_(en.c.tenant == tenant, en.c.lecture_id == lecture, en.c.status == "ACTIVE"))
            .order_by(en.c.enrollment_id)
        )
        return self._all(query)

    def online_students(self, tenant: str, video: Row) -> list[Row]:
        """Students whose attendance at the video's session is ONLINE, with their progress."""
        a, en, st, p = t.attendance, t.enrollments, t.students, t.progress
        query = (
            select(
                a.c.enrollment_id.label("enrollment"),
                func.coalesce(st.c.name, "").label("student_name"),
                func.coalesce(p.c.progress, 0.0).label("progress"),
                func.coalesce(p.c.completed, false()).label("completed"),
                func.coalesce(p.c.last_position, 0.0).label("watched_seconds"),
            )
            .outerjoin(en, en.c.enrollment_id == a.c.enrollment_id)
            .outerjoin(st, st.c.student_id == en.c.student_id)
            .outerjoin(
                p, and_(p.c.video_id == video["video_id"], p.c.enrollment_id == a.c.enrollment_id)
            )
            .where(
                and_(
                    a.c.tenant == tenant,
                    a.c.session_id == video["session_id"],
                    a.c.status == "ONLINE",
                )
            )
            .order_by(a.c.enrollment_id)
        )
        return self._all(query)

    def completion(self, tenant: str, video: Row) -> Row:
        """Over ACTIVE enrollments: how many, how many completed, and the seed's estimate of the
        seconds watched (Σ ⌊progress × duration⌋)."""
        en, p, s = t.enrollments, t.progress, t.lecture_sessions
        lecture = (
            select(s.c.lecture_id).where(s.c.session_id == video["session_id"]).scalar_subquery()
        )
        duration = int(video["duration"] or 0)
        watched = p.c.progress * duration
        # Truncated like Python's int(): SQLite's CAST truncates, PostgreSQL's rounds.
        whole = (
            cast(watched, Integer) if is_sqlite(self.engine) else cast(func.floor(watched), Integer)
        )
        query = (
            select(
                func.count().label("total_students"),
                func.count(case((p.c.completed.is_(True), 1))).label("completed_count"),
                func.coalesce(func.sum(whole), 0).label("watched_seconds_est"),
            )
            .select_from(en)
            .outerjoin(
                p,
                and_(p.c.video_id == video["video_id"], p.c.enrollment_id == en.c.enrollment_id),
            )
            .where(and_(en.c.tenant == tenant, en.c.lecture_id == lecture, en.c.status == "ACTIVE"))
        )
        rows = self._all(query)
        return {key: int(value or 0) for key, value in rows[0].items()}

    # Playback events --------------------------------------------------------------------------

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
                case((sev == "danger", 1), else_=0).label("danger"),
                case((sev == "warn", 1), else_=0).label("warn"),
                case((sev == "info", 1), else_=0).label("info"),
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
    ) -> tuple[Iterator[Row], int]:
        """The events that match, newest first in a stable order, and how many match in all.
        With a ``limit``, that page; without, every match, read in keyset pages (a
        caller that reads them all keeps memory flat)."""
        conditions: list[ColumnElement[bool]] = [e.c.tenant == tenant]
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
            pattern = _like(search)
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
            return self._newest_first(query, offset), int(total)
        with self.engine.connect() as conn:
            page = conn.execute(query.limit(limit).offset(offset)).mappings()
            rows = [dict(r) for r in page]
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

    def _newest_first(self, query: Select[Any], offset: int) -> Iterator[Row]:
        """The rows of ``query`` (ordered ``_NEWEST_FIRST``, with the ``_KEY`` columns), a page of
        STREAM_ROWS per query, each page after the last row of the one before (keyset). A
        connection is held only while a page is read, never while a slow client reads the
        response, so streams cannot starve the pool."""
        page = query.limit(STREAM_ROWS).offset(offset)
        while True:
            with self.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(page).mappings()]
            yield from rows
            if len(rows) < STREAM_ROWS:
                return
            last = tuple(rows[-1][column.name] for column in _KEY)
            page = query.where(tuple_(*_KEY) < tuple_(*last)).limit(STREAM_ROWS)

    # Helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _events_of(tenant: str, video_id: int, since: datetime | None) -> ColumnElement[bool]:
        conditions = [e.c.tenant == tenant, e.c.video_id == video_id]
        if since is not None:
            conditions.append(e.c.occurred_at >= since)
        return and_(*conditions)

    def _all(self, query: Select[Any]) -> list[Row]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


# Newest first; ties broken by the row's key, so pages neither repeat nor skip rows.
_KEY = (e.c.occurred_at, e.c.session_aggregate_id, e.c.batch_version, e.c.item)
_NEWEST_FIRST = tuple(column.desc() for column in _KEY)


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour at or after ``moment``."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + timedelta(hours=1)
