"""The query side: what the API lists and shows, read straight from the read models.

Writes go through the application services (and the events); reads that span many aggregates,
filter or search come from here. Every query takes the caller's tenant, so another tenant's
rows are never returned (the API answers 404 for them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, and_, func, select

from academy_video.app.reads import Reads

from . import tables as t
from .queries import SqlActiveSessions
from .queue import SqlJobQueue

Row = dict[str, Any]

# A student's display name: via the enrollment's student (empty if the roster lacks them).
_student_name = (
    select(t.students.c.name)
    .join(t.enrollments, t.enrollments.c.student_id == t.students.c.student_id)
    .scalar_subquery()
)


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape ``\\``) matching ``text`` anywhere, case-folded."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


class ReadModels(Reads):
    """The query side on the SQL read models (subclassed so mypy checks every signature)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Videos --------------------------------------------------------------------------------

    def videos(
        self,
        tenant: str,
        *,
        session_id: int | None = None,
        status: str | None = None,
        search: str | None = None,
    ) -> list[Row]:
        v = t.videos
        query = select(v).where(v.c.tenant == tenant)
        if session_id is not None:
            query = query.where(v.c.session_id == session_id)
        if status:
            query = query.where(v.c.status == status)
        if search:
            query = query.where(func.lower(v.c.title).like(like_pattern(search), escape="\\"))
        return self._all(query.order_by(v.c.order, v.c.video_id))

    def video(self, tenant: str, video_id: int) -> Row | None:
        v = t.videos
        return self._one(select(v).where(and_(v.c.tenant == tenant, v.c.video_id == video_id)))

    # Students ------------------------------------------------------------------------------

    def has_student(self, tenant: str, user_id: int) -> bool:
        st = t.students
        query = select(st.c.student_id).where(and_(st.c.tenant == tenant, st.c.user_id == user_id))
        return self._one(query.limit(1)) is not None

    # Sessions ------------------------------------------------------------------------------

    def sessions(self, tenant: str, *, user_id: int | None = None) -> list[Row]:
        """The tenant's lecture sessions with their lecture's title, by lecture then session;
        ``user_id`` keeps the sessions that user's ACTIVE enrollments give access to, each with
        that enrollment (a student's view)."""
        s, lec = t.lecture_sessions, t.lectures
        query = (
            select(
                s.c.session_id,
                s.c.title,
                s.c.lecture_id,
                lec.c.title.label("lecture_title"),
            )
            .join(lec, lec.c.lecture_id == s.c.lecture_id)
            .where(s.c.tenant == tenant)
        )
        if user_id is not None:
            e, st, a = t.enrollments, t.students, t.session_access
            query = (
                query.add_columns(e.c.enrollment_id)
                .join(e, and_(e.c.lecture_id == s.c.lecture_id, e.c.status == "ACTIVE"))
                .join(st, st.c.student_id == e.c.student_id)
                .join(
                    a,
                    and_(a.c.session_id == s.c.session_id, a.c.enrollment_id == e.c.enrollment_id),
                )
                .where(and_(st.c.user_id == user_id, e.c.tenant == tenant))
            )
        return self._all(query.order_by(s.c.lecture_id, s.c.session_id))

    # Permissions ---------------------------------------------------------------------------

    def permissions(
        self, tenant: str, *, video_id: int | None = None, enrollment_id: int | None = None
    ) -> list[Row]:
        query = self._permissions(tenant)
        if video_id is not None:
            query = query.where(t.permissions.c.video_id == video_id)
        if enrollment_id is not None:
            query = query.where(t.permissions.c.enrollment_id == enrollment_id)
        return self._all(query.order_by(t.permissions.c.permission_id))

    def permission(self, tenant: str, permission_id: int) -> Row | None:
        return self._one(
            self._permissions(tenant).where(t.permissions.c.permission_id == permission_id)
        )

    def _permissions(self, tenant: str) -> Select[Any]:
        p = t.permissions
        name = _student_name.where(t.enrollments.c.enrollment_id == p.c.enrollment_id)
        return select(p, name.label("student_name")).where(
            and_(p.c.tenant == tenant, p.c.active.is_(True))
        )

    # Progress ------------------------------------------------------------------------------

    def progress_list(
        self,
        tenant: str,
        *,
        video_id: int | None = None,
        enrollment_id: int | None = None,
        user_id: int | None = None,
    ) -> list[Row]:
        """``user_id`` keeps only that user's own enrollments (a student's view)."""
        query = self._progress(tenant)
        p = t.progress
        if video_id is not None:
            query = query.where(p.c.video_id == video_id)
        if enrollment_id is not None:
            query = query.where(p.c.enrollment_id == enrollment_id)
        return self._all(self._own(query, tenant, user_id).order_by(p.c.progress_id))

    def progress(self, tenant: str, progress_id: int, *, user_id: int | None = None) -> Row | None:
        query = self._progress(tenant).where(t.progress.c.progress_id == progress_id)
        return self._one(self._own(query, tenant, user_id))

    def _progress(self, tenant: str) -> Select[Any]:
        p = t.progress
        name = _student_name.where(t.enrollments.c.enrollment_id == p.c.enrollment_id)
        # Only progress of videos that still exist.
        alive = select(t.videos.c.video_id).where(t.videos.c.tenant == tenant)
        return select(p, name.label("student_name")).where(
            and_(p.c.tenant == tenant, p.c.video_id.in_(alive))
        )

    @staticmethod
    def _own(query: Select[Any], tenant: str, user_id: int | None) -> Select[Any]:
        """Keep only the enrollments of ``user_id``'s student record (None: keep all)."""
        if user_id is None:
            return query
        own = (
            select(t.enrollments.c.enrollment_id)
            .join(t.students, t.students.c.student_id == t.enrollments.c.student_id)
            .where(and_(t.students.c.user_id == user_id, t.enrollments.c.tenant == tenant))
        )
        return query.where(t.progress.c.enrollment_id.in_(own))

    # Metrics -------------------------------------------------------------------------------

    def active_sessions(self) -> int:
        return SqlActiveSessions(self.engine).count()

    def queue_depth(self) -> int:
        return SqlJobQueue(self.engine).depth()

    # Helpers -------------------------------------------------------------------------------

    def _all(self, query: Select[Any]) -> list[Row]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def _one(self, query: Select[Any]) -> Row | None:
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)
