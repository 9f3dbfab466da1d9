"""The academy roster held in memory (unit tests and the in-memory build)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True)
class _Enrollment:
    tenant: str
    student_id: int
    lecture_id: int
    active: bool


@dataclass(frozen=True)
class _Attendance:
    tenant: str
    status: str


class _Owned(Protocol):
    @property
    def tenant(self) -> str: ...


class InMemoryDirectory:
    def __init__(self) -> None:
        self._lectures: dict[int, Lecture] = {}
        self._sessions: dict[int, LectureSession] = {}
        self._students: dict[int, Student] = {}
        self._enrollments: dict[int, _Enrollment] = {}
        self._access: dict[tuple[int, int], str] = {}  # (session, enrollment) → tenant
        self._attendance: dict[tuple[int, int], _Attendance] = {}
        # A write checks the owner and writes under one lock, as the SQL statement does.
        self._lock = threading.Lock()

    def lecture(self, lecture_id: int) -> Lecture | None:
        return self._lectures.get(lecture_id)

    def session(self, session_id: int) -> LectureSession | None:
        return self._sessions.get(session_id)

    def student(self, student_id: int) -> Student | None:
        return self._students.get(student_id)

    def enrollment(self, enrollment_id: int) -> Enrollment | None:
        row = self._enrollments.get(enrollment_id)
        student = None if row is None else self._students.get(row.student_id)
        if row is None or student is None:
            return None
        return Enrollment(
            enrollment_id=enrollment_id,
            student_id=row.student_id,
            user_id=student.user_id,
            lecture_id=row.lecture_id,
            tenant=row.tenant,
            active=row.active,
            student_name=student.name,
        )

    def active_enrollments(self, tenant: str, user_id: int, lecture_id: int) -> list[int]:
        return sorted(
            enrollment_id
            for enrollment_id, row in self._enrollments.items()
            if row.tenant == tenant
            and row.lecture_id == lecture_id
            and row.active
            and (student := self._students.get(row.student_id)) is not None
            and student.user_id == user_id
        )

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool:
        return (session_id, enrollment_id) in self._access

    def attendance(self, session_id: int, enrollment_id: int) -> str | None:
        found = self._attendance.get((session_id, enrollment_id))
        return None if found is None else found.status

    def put_lecture(self, lecture: Lecture) -> bool:
        return self._put(self._lectures, lecture.lecture_id, lecture)

    def put_session(self, session: LectureSession) -> bool:
        return self._put(self._sessions, session.session_id, session)

    def put_student(self, student: Student) -> bool:
        return self._put(self._students, student.student_id, student)

    def put_enrollment(
        self, *, enrollment_id: int, tenant: str, student_id: int, lecture_id: int, active: bool
    ) -> bool:
        row = _Enrollment(tenant, student_id, lecture_id, active)
        return self._put(self._enrollments, enrollment_id, row)

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> bool:
        link = (session_id, enrollment_id)
        with self._lock:
            if granted:
                return self._grant_locked(tenant, link)
            if self._access.get(link, tenant) == tenant:  # a revoke removes only the tenant's own
                self._access.pop(link, None)
            return True

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> bool:
        row = _Attendance(tenant, status)
        return self._put(self._attendance, (session_id, enrollment_id), row)

    # Bulk ----------------------------------------------------------------------------------

    def stored(self, rows: Sequence[R]) -> list[R]:
        found = (self._row(row) for row in roster_batch(rows))
        return [row for row in found if row is not None]

    def put_many(self, rows: Sequence[R]) -> list[R]:
        batch = roster_batch(rows)
        with self._lock:  # the whole batch at once, as the SQL transaction
            return [row for row in batch if not self._put_one(row)]

    def _row(self, wanted: Any) -> Any:
        """The stored row under ``wanted``'s key, as the bulk methods' kind."""
        if isinstance(wanted, Lecture):
            return self._lectures.get(wanted.lecture_id)
        if isinstance(wanted, LectureSession):
            return self._sessions.get(wanted.session_id)
        if isinstance(wanted, Student):
            return self._students.get(wanted.student_id)
        if isinstance(wanted, EnrollmentRow):
            e = self._enrollments.get(wanted.enrollment_id)
            return (
                None
                if e is None
                else EnrollmentRow(
                    wanted.enrollment_id, e.tenant, e.student_id, e.lecture_id, e.active
                )
            )
        if isinstance(wanted, SessionAccess):
            link = (wanted.session_id, wanted.enrollment_id)
            tenant = self._access.get(link)
            return None if tenant is None else SessionAccess(tenant, *link)
        link = (wanted.session_id, wanted.enrollment_id)
        seen = self._attendance.get(link)
        return None if seen is None else Attendance(seen.tenant, *link, seen.status)

    def _put_one(self, row: Any) -> bool:
        """A bulk row written as its single write would (the lock held)."""
        if isinstance(row, Lecture):
            return self._put_locked(self._lectures, row.lecture_id, row)
        if isinstance(row, LectureSession):
            return self._put_locked(self._sessions, row.session_id, row)
        if isinstance(row, Student):
            return self._put_locked(self._students, row.student_id, row)
        if isinstance(row, EnrollmentRow):
            stored = _Enrollment(row.tenant, row.student_id, row.lecture_id, row.active)
            return self._put_locked(self._enrollments, row.enrollment_id, stored)
        link = (row.session_id, row.enrollment_id)
        if isinstance(row, SessionAccess):
            return self._grant_locked(row.tenant, link)
        return self._put_locked(self._attendance, link, _Attendance(row.tenant, row.status))

    def _grant_locked(self, tenant: str, link: tuple[int, int]) -> bool:
        if self._access.get(link, tenant) != tenant:
            return False
        self._access[link] = tenant
        return True

    def _put(self, rows: dict[Any, Any], key: Any, row: _Owned) -> bool:
        """Write ``row`` unless ``key`` is another tenant's (False: nothing written)."""
        with self._lock:
            return self._put_locked(rows, key, row)

    def _put_locked(self, rows: dict[Any, Any], key: Any, row: _Owned) -> bool:
        stored = rows.get(key)
        if stored is not None and stored.tenant != row.tenant:
            return False
        rows[key] = row
        return True
