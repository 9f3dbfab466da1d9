"""The academy roster the platform pushes: lectures, sessions, students, enrollments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

# Rows per bulk call (``stored``, ``put_many``): one statement's parameters stay within every
# database's limit, and one call's transaction stays short.
MAX_ROSTER_BATCH = 5000


@dataclass(frozen=True)
class Lecture:
    lecture_id: int
    tenant: str
    title: str = ""

    @property
    def key(self) -> tuple[int, ...]:
        return (self.lecture_id,)


@dataclass(frozen=True)
class LectureSession:
    session_id: int
    lecture_id: int
    tenant: str
    title: str = ""

    @property
    def key(self) -> tuple[int, ...]:
        return (self.session_id,)


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

    @property
    def key(self) -> tuple[int, ...]:
        return (self.student_id,)


@dataclass(frozen=True)
class EnrollmentRow:
    """An enrollment as stored (the bulk methods' row; ``Enrollment`` is the joined view)."""

    enrollment_id: int
    tenant: str
    student_id: int
    lecture_id: int
    active: bool

    @property
    def key(self) -> tuple[int, ...]:
        return (self.enrollment_id,)


@dataclass(frozen=True)
class SessionAccess:
    """A student's (enrollment's) access to a lecture session, granted."""

    tenant: str
    session_id: int
    enrollment_id: int

    @property
    def key(self) -> tuple[int, ...]:
        return (self.session_id, self.enrollment_id)


@dataclass(frozen=True)
class Attendance:
    tenant: str
    session_id: int
    enrollment_id: int
    status: str

    @property
    def key(self) -> tuple[int, ...]:
        return (self.session_id, self.enrollment_id)


RosterRow = Lecture | LectureSession | Student | EnrollmentRow | SessionAccess | Attendance
R = TypeVar("R", bound=RosterRow)  # one kind of roster row per bulk call


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
    removes only the tenant's own link (and returns True).

    The bulk methods take up to ``MAX_ROSTER_BATCH`` rows of one kind (more, or kinds mixed:
    ``ValueError``, nothing read or written); rows with the same ``key`` count once, the last.
    """

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

    def stored(self, rows: Sequence[R]) -> list[R]:
        """The rows stored under the keys of ``rows`` (whichever tenant owns them)."""
        ...

    def put_many(self, rows: Sequence[R]) -> list[R]:
        """Write ``rows`` in one transaction, each with the owner rule of the single writes
        (checked by the statement that writes); the rows refused (another tenant's key),
        nothing of them written. Session access rows are granted."""
        ...


def roster_batch(rows: Sequence[R]) -> list[R]:
    """``rows`` as a bulk method takes them: bounded, of one kind, one row per key (the last);
    ``ValueError`` otherwise. Every adapter calls it first, so all refuse the same."""
    if len(rows) > MAX_ROSTER_BATCH:
        raise ValueError(f"at most {MAX_ROSTER_BATCH} roster rows at once, not {len(rows)}")
    if len({type(row) for row in rows}) > 1:
        raise ValueError("one kind of roster row at a time")
    return list({row.key: row for row in rows}.values())
