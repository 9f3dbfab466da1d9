"""The per-student analytics queries (stats, policy impact, achievement, summary's counts):
enrollments joined with their progress, rule and attendance. The effective rule is
``rules.effective_rule``, built from ``domain/policy.py``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Integer, Select, and_, case, cast, false, func, literal, select

from academy_video.domain.policy import NO_GRANT_RULE

from . import rules
from . import tables as t
from .engine import is_sqlite
from .read import ReadModels

Row = dict[str, Any]


class SqlStudentAnalytics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reads = ReadModels(engine)

    def video(self, tenant: str, video_id: int) -> Row | None:
        return self._reads.video(tenant, video_id)

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
        rule = func.coalesce(g.c.rule, literal(NO_GRANT_RULE.value))
        query = (
            select(
                en.c.enrollment_id.label("enrollment"),
                st.c.name.label("student_name"),
                a.c.status.label("attendance_status"),
                func.coalesce(p.c.progress, 0.0).label("progress"),
                completed.label("completed"),
                rule.label("rule"),
                rules.effective_rule(rule, completed).label("effective_rule"),
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

    def _all(self, query: Select[Any]) -> list[Row]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
