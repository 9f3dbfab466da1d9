"""The academy roster in SQL: a replica the platform pushes (upserts), read by the use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, and_, select, tuple_

from academy_video.app.ports import (
    Attendance,
    Enrollment,
    EnrollmentRow,
    Lecture,
    LectureSession,
    SessionAccess,
    Student,
)
from academy_video.app.ports.directory import R, roster_batch

from . import tables as t
from .engine import upsert


class SqlDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Reads ---------------------------------------------------------------------------------

    def lecture(self, lecture_id: int) -> Lecture | None:
        row = self._one(select(t.lectures).where(t.lectures.c.lecture_id == lecture_id))
        return None if row is None else Lecture(**row)

    def session(self, session_id: int) -> LectureSession | None:
        row = self._one(
            select(t.lecture_sessions).where(t.lecture_sessions.c.session_id == session_id)
        )
        return None if row is None else LectureSession(**row)

    def student(self, student_id: int) -> Student | None:
        row = self._one(select(t.students).where(t.students.c.student_id == student_id))
        return None if row is None else Student(**row)

    def enrollment(self, enrollment_id: int) -> Enrollment | None:
        e, s = t.enrollments, t.students
        row = self._one(
            select(
                e.c.enrollment_id,
                e.c.student_id,
                s.c.user_id,
                e.c.lecture_id,
                e.c.tenant,
                (e.c.status == "ACTIVE").label("active"),
                s.c.name.label("student_name"),
            )
            .join(s, s.c.student_id == e.c.student_id)
            .where(e.c.enrollment_id == enrollment_id)
        )
        return None if row is None else Enrollment(**{**row, "active": bool(row["active"])})

    def active_enrollments(self, tenant: str, user_id: int, lecture_id: int) -> list[int]:
        e, s = t.enrollments, t.students
        query = (
            select(e.c.enrollment_id)
            .join(s, s.c.student_id == e.c.student_id)
            .where(
                and_(
                    e.c.tenant == tenant,
                    e.c.lecture_id == lecture_id,
                    e.c.status == "ACTIVE",
                    s.c.user_id == user_id,
                )
            )
            .order_by(e.c.enrollment_id)
        )
        with self.engine.connect() as conn:
            return [int(row) for row in conn.execute(query).scalars()]

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool:
        a = t.session_access
        return (
            self._one(
                select(a.c.session_id).where(
                    and_(a.c.session_id == session_id, a.c.enrollment_id == enrollment_id)
                )
            )
            is not None
        )

    def attendance(self, session_id: int, enrollment_id: int) -> str | None:
        a = t.attendance
        row = self._one(
            select(a.c.status).where(
                and_(a.c.session_id == session_id, a.c.enrollment_id == enrollment_id)
            )
        )
        return None if row is None else str(row["status"])

    # Writes: each returns False, having written nothing, when the id is another tenant's.

    def put_lecture(self, lecture: Lecture) -> bool:
        return self._upsert(t.lectures, vars(lecture))

    def put_session(self, session: LectureSession) -> bool:
        return self._upsert(t.lecture_sessions, vars(session))

    def put_student(self, student: Student) -> bool:
        return self._upsert(t.students, vars(student))

    def put_enrollment(
        self, *, enrollment_id: int, tenant: str, student_id: int, lecture_id: int, active: bool
    ) -> bool:
        row = EnrollmentRow(enrollment_id, tenant, student_id, lecture_id, active)
        return self._upsert(t.enrollments, _enrollment_row(row))

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> bool:
        a = t.session_access
        if granted:
            return self._upsert(
                a, {"session_id": session_id, "enrollment_id": enrollment_id, "tenant": tenant}
            )
        with self.engine.begin() as conn:
            conn.execute(
                a.delete().where(
                    a.c.session_id == session_id,
                    a.c.enrollment_id == enrollment_id,
                    a.c.tenant == tenant,
                )
            )
        return True

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> bool:
        return self._upsert(
            t.attendance,
            {
                "session_id": session_id,
                "enrollment_id": enrollment_id,
                "tenant": tenant,
                "status": status,
            },
        )

    # Bulk: one statement per call --------------------------------------------------------

    def stored(self, rows: Sequence[R]) -> list[R]:
        batch = roster_batch(rows)
        if not batch:
            return []
        kind = KINDS[type(batch[0])]
        keys = list(kind.table.primary_key.columns)
        where = (
            keys[0].in_([row.key[0] for row in batch])
            if len(keys) == 1
            else tuple_(*keys).in_([row.key for row in batch])
        )
        with self.engine.connect() as conn:
            found = conn.execute(select(kind.table).where(where)).mappings()
            return [kind.from_row(dict(row)) for row in found]

    def put_many(self, rows: Sequence[R]) -> list[R]:
        """One ``INSERT … ON CONFLICT DO UPDATE … WHERE tenant = excluded.tenant RETURNING``
        for the batch (SQLAlchemy sends it as multi-row VALUES): the keys back were written,
        the others are another tenant's."""
        batch = roster_batch(rows)
        if not batch:
            return []
        kind = KINDS[type(batch[0])]
        values = [kind.to_row(row) for row in batch]
        keys = list(kind.table.primary_key.columns)
        statement = upsert(self.engine.dialect.name, kind.table, values[0], same="tenant")
        with self.engine.begin() as conn:
            written = {tuple(row) for row in conn.execute(statement.returning(*keys), values)}
        return [row for row in batch if row.key not in written]

    # Helpers -------------------------------------------------------------------------------

    def _one(self, statement: Any) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(statement).mappings().first()
        return None if row is None else dict(row)

    def _upsert(self, table: Table, values: dict[str, Any]) -> bool:
        """Insert the row, or update it if the same tenant owns it, in one statement: two
        tenants pushing one id at once cannot both pass a check and the second overwrite the
        first. A row back means it was written; none, that another tenant owns the id."""
        statement = upsert(self.engine.dialect.name, table, values, same="tenant")
        with self.engine.begin() as conn:
            written = conn.execute(statement.values(values).returning(table.c.tenant))
            return written.first() is not None


@dataclass(frozen=True)
class RosterKind:
    """How one kind of roster row is stored: its table, and the row both ways."""

    table: Table
    to_row: Callable[[Any], dict[str, Any]]
    from_row: Callable[[dict[str, Any]], Any]


def _enrollment_row(row: EnrollmentRow) -> dict[str, Any]:
    return {
        "enrollment_id": row.enrollment_id,
        "tenant": row.tenant,
        "student_id": row.student_id,
        "lecture_id": row.lecture_id,
        "status": "ACTIVE" if row.active else "INACTIVE",
    }


def _stored_enrollment(row: dict[str, Any]) -> EnrollmentRow:
    status = row.pop("status")
    return EnrollmentRow(**row, active=status == "ACTIVE")


KINDS: dict[type, RosterKind] = {
    Lecture: RosterKind(t.lectures, vars, lambda row: Lecture(**row)),
    LectureSession: RosterKind(t.lecture_sessions, vars, lambda row: LectureSession(**row)),
    Student: RosterKind(t.students, vars, lambda row: Student(**row)),
    EnrollmentRow: RosterKind(t.enrollments, _enrollment_row, _stored_enrollment),
    SessionAccess: RosterKind(t.session_access, vars, lambda row: SessionAccess(**row)),
    Attendance: RosterKind(t.attendance, vars, lambda row: Attendance(**row)),
}
