"""Directory sync: the platform pushes lectures, sessions, students, enrollments, session access
and attendance; every call is an idempotent upsert within the caller's tenant.

The rules live here, once: an id another tenant already uses is not found (it is never
overwritten, nor revealed), and a reference to something unknown is ``unknown_<kind>``. The
owner is checked by the write itself (the ``Directory`` port's upserts refuse another tenant's
row atomically): a check before the write would let two tenants creating one id at once both
pass it, and the second take the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from .errors import Invalid, NotFound
from .ports import Directory, Enrollment, Lecture, LectureSession, Student

ENROLLMENT_STATUSES = ("ACTIVE", "INACTIVE")
MAX_STATUS = 32


@dataclass(frozen=True)
class Link:
    """A session-access or attendance fact, as stored."""

    session_id: int
    enrollment_id: int
    granted: bool | None = None
    status: str | None = None


class DirectorySync:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def put_lecture(self, *, tenant: str, lecture_id: int, title: str) -> Lecture:
        lecture = Lecture(lecture_id, tenant, title)
        _owned(self.directory.put_lecture(lecture))
        return lecture

    def put_session(
        self, *, tenant: str, session_id: int, lecture_id: int, title: str
    ) -> LectureSession:
        self._lecture(tenant, lecture_id)
        session = LectureSession(session_id, lecture_id, tenant, title)
        _owned(self.directory.put_session(session))
        return session

    def put_student(self, student: Student) -> Student:
        _owned(self.directory.put_student(student))
        return student

    def put_enrollment(
        self, *, tenant: str, enrollment_id: int, student_id: int, lecture_id: int, status: str
    ) -> Enrollment:
        if status not in ENROLLMENT_STATUSES:
            raise Invalid("status", "status must be ACTIVE or INACTIVE")
        student = _referenced(self.directory.student(student_id), tenant, "student")
        self._lecture(tenant, lecture_id)
        written = self.directory.put_enrollment(
            enrollment_id=enrollment_id,
            tenant=tenant,
            student_id=student_id,
            lecture_id=lecture_id,
            active=status == "ACTIVE",
        )
        _owned(written)
        return Enrollment(
            enrollment_id,
            student_id,
            student.user_id,
            lecture_id,
            tenant,
            status == "ACTIVE",
            student.name,
        )

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> Link:
        self._link(tenant, session_id, enrollment_id)
        written = self.directory.set_access(
            tenant=tenant, session_id=session_id, enrollment_id=enrollment_id, granted=granted
        )
        _owned(written)
        return Link(session_id, enrollment_id, granted=granted)

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> Link:
        if not status or len(status) > MAX_STATUS:
            raise Invalid("status", f"status must be 1 to {MAX_STATUS} characters")
        self._link(tenant, session_id, enrollment_id)
        written = self.directory.set_attendance(
            tenant=tenant, session_id=session_id, enrollment_id=enrollment_id, status=status
        )
        _owned(written)
        return Link(session_id, enrollment_id, status=status)

    def _lecture(self, tenant: str, lecture_id: int) -> Lecture:
        return _referenced(self.directory.lecture(lecture_id), tenant, "lecture")

    def _link(self, tenant: str, session_id: int, enrollment_id: int) -> None:
        _referenced(self.directory.session(session_id), tenant, "session")
        _referenced(self.directory.enrollment(enrollment_id), tenant, "enrollment")


def _owned(written: bool) -> None:
    """Nothing written: the id is another tenant's, not ours to overwrite (nor to reveal)."""
    if not written:
        raise NotFound()


T = TypeVar("T", Lecture, LectureSession, Student, Enrollment)


def _referenced(found: T | None, tenant: str, kind: str) -> T:
    if found is None or found.tenant != tenant:
        raise Invalid(f"unknown_{kind}")
    return found
