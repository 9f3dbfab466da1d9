"""The academy roster the platform pushes: lectures, sessions, students, enrollments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Lecture:
    lecture_id: int
    tenant: str
    title: str = ""


@dataclass(frozen=True)
class LectureSession:
    session_id: int
    lecture_id: int
    tenant: str
    title: str = ""


@dataclass(frozen=True)
class Student:
    student_id: int
    tenant: str
    user_id: int
    name: str = ""
    phone: str = ""
    parent_phone: str = ""
    school: str = ""
    grade: str = ""


@dataclass(frozen=True)
class Enrollment:
    """An enrollment as the use cases see it: joined with its student's user and name."""

    enrollment_id: int
    student_id: int
    user_id: int
    lecture_id: int
    tenant: str
    active: bool
    student_name: str = ""


class Directory(Protocol):
    """The academy roster, pushed by the platform (idempotent upserts) and read by the use
    cases. Adapters store and fetch; the rules (tenant, references) are in ``DirectorySync``.

    Each write checks the owner in the same atomic step that writes: it returns False, having
    written nothing, when the id (or link) is another tenant's. A revoked session access
    removes only the tenant's own link (and returns True)."""

    def lecture(self, lecture_id: int) -> Lecture | None: ...

    def session(self, session_id: int) -> LectureSession | None: ...

    def student(self, student_id: int) -> Student | None: ...

    def enrollment(self, enrollment_id: int) -> Enrollment | None:
        """None also when its student is unknown (an enrollment is only usable with a user)."""
        ...

    def active_enrollments(self, tenant: str, user_id: int, lecture_id: int) -> list[int]:
        """The ids of the ACTIVE enrollments of the tenant's user (through their student) in
        the lecture, lowest first: whom that user may play the lecture's videos as."""
        ...

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool: ...

    def attendance(self, session_id: int, enrollment_id: int) -> str | None: ...

    def put_lecture(self, lecture: Lecture) -> bool: ...

    def put_session(self, session: LectureSession) -> bool: ...

    def put_student(self, student: Student) -> bool: ...

    def put_enrollment(
        self, *, enrollment_id: int, tenant: str, student_id: int, lecture_id: int, active: bool
    ) -> bool: ...

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> bool: ...

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> bool: ...
