"""The Directory port's contract: every adapter must pass these (in memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import TypedDict

import pytest

from academy_video.app.ports import (
    MAX_ROSTER_BATCH,
    Attendance,
    Directory,
    EnrollmentRow,
    Lecture,
    LectureSession,
    SessionAccess,
    Student,
)
from academy_video.app.ports.directory import RosterRow


class LinkKeys(TypedDict):
    """What names a student's link to a lecture session (access, attendance)."""

    tenant: str
    session_id: int
    enrollment_id: int


def check_directory_contract(directory: Directory) -> None:
    assert directory.lecture(1) is None
    directory.put_lecture(Lecture(1, "demo", "Calculus"))
    directory.put_lecture(Lecture(1, "demo", "Calculus II"))  # an upsert, not a second row
    assert directory.lecture(1) == Lecture(1, "demo", "Calculus II")

    directory.put_session(LectureSession(10, 1, "demo", "Week 1"))
    assert directory.session(10) == LectureSession(10, 1, "demo", "Week 1")
    assert directory.session(11) is None

    # An enrollment is usable only with its student (the user id comes from there).
    directory.put_enrollment(
        enrollment_id=100, tenant="demo", student_id=500, lecture_id=1, active=True
    )
    assert directory.enrollment(100) is None
    student = Student(500, "demo", 9000, "Ada", "010", "011", "North", "3")
    directory.put_student(student)
    assert directory.student(500) == student
    enrollment = directory.enrollment(100)
    assert enrollment is not None
    assert (enrollment.user_id, enrollment.lecture_id, enrollment.active) == (9000, 1, True)
    assert enrollment.student_name == "Ada"
    directory.put_enrollment(
        enrollment_id=100, tenant="demo", student_id=500, lecture_id=1, active=False
    )
    enrollment = directory.enrollment(100)
    assert enrollment is not None and not enrollment.active

    # Whom a user plays a lecture as: their ACTIVE enrollments in it, of their tenant, lowest first.
    assert directory.active_enrollments("demo", 9000, 1) == []
    for enrollment_id, lecture_id in ((102, 1), (101, 1), (103, 2)):
        directory.put_enrollment(
            enrollment_id=enrollment_id,
            tenant="demo",
            student_id=500,
            lecture_id=lecture_id,
            active=True,
        )
    assert directory.active_enrollments("demo", 9000, 1) == [101, 102]
    assert directory.active_enrollments("demo", 9001, 1) == []
    assert directory.active_enrollments("other", 9000, 1) == []

    link: LinkKeys = {"tenant": "demo", "session_id": 10, "enrollment_id": 100}
    assert not directory.has_session_access(10, 100)
    directory.set_access(**link, granted=True)
    directory.set_access(**link, granted=True)
    assert directory.has_session_access(10, 100)
    directory.set_access(**link, granted=False)
    directory.set_access(**link, granted=False)
    assert not directory.has_session_access(10, 100)

    assert directory.attendance(10, 100) is None
    directory.set_attendance(**link, status="ONLINE")
    directory.set_attendance(**link, status="ABSENT")
    assert directory.attendance(10, 100) == "ABSENT"


def check_another_tenants_id_is_never_written(directory: Directory) -> None:
    """Each write checks the owner itself: False, and the stored row untouched."""
    assert directory.put_lecture(Lecture(1, "demo", "Calculus"))
    assert directory.put_session(LectureSession(10, 1, "demo", "Week 1"))
    student = Student(500, "demo", 9000, "Ada")
    assert directory.put_student(student)
    assert directory.put_enrollment(
        enrollment_id=100, tenant="demo", student_id=500, lecture_id=1, active=True
    )
    link = {"session_id": 10, "enrollment_id": 100}
    assert directory.set_access(tenant="demo", **link, granted=True)
    assert directory.set_attendance(tenant="demo", **link, status="ONLINE")

    assert not directory.put_lecture(Lecture(1, "other", "Hijack"))
    assert not directory.put_session(LectureSession(10, 2, "other", "Hijack"))
    assert not directory.put_student(Student(500, "other", 1, "Eve"))
    assert not directory.put_enrollment(
        enrollment_id=100, tenant="other", student_id=501, lecture_id=2, active=False
    )
    assert not directory.set_attendance(tenant="other", **link, status="ABSENT")
    assert not directory.set_access(tenant="other", **link, granted=True)
    directory.set_access(tenant="other", **link, granted=False)  # removes no one else's link

    assert directory.lecture(1) == Lecture(1, "demo", "Calculus")
    assert directory.session(10) == LectureSession(10, 1, "demo", "Week 1")
    assert directory.student(500) == student
    enrollment = directory.enrollment(100)
    assert enrollment is not None
    assert (enrollment.tenant, enrollment.student_id, enrollment.active) == ("demo", 500, True)
    assert directory.has_session_access(10, 100)
    assert directory.attendance(10, 100) == "ONLINE"
    # The owner still updates its own rows.
    assert directory.put_lecture(Lecture(1, "demo", "Calculus II"))
    assert directory.lecture(1) == Lecture(1, "demo", "Calculus II")


def check_bulk_rows_read_back_as_written(directory: Directory) -> None:
    """Each kind through ``put_many``, read back by ``stored`` and by the single reads."""
    assert directory.stored([Lecture(1, "demo")]) == []
    assert directory.put_many([]) == [] and directory.stored([]) == []
    batches: list[list[RosterRow]] = [
        [Lecture(1, "demo", "Calculus"), Lecture(2, "demo", "Algebra")],
        [LectureSession(10, 1, "demo", "Week 1"), LectureSession(11, 2, "demo")],
        [Student(500, "demo", 9000, "Ada", "010", "011", "North", "3"), Student(501, "demo", 9001)],
        [EnrollmentRow(100, "demo", 500, 1, True), EnrollmentRow(101, "demo", 501, 2, False)],
        [SessionAccess("demo", 10, 100), SessionAccess("demo", 11, 101)],
        [Attendance("demo", 10, 100, "ONLINE"), Attendance("demo", 11, 101, "ABSENT")],
    ]
    for batch in batches:
        assert directory.put_many(batch) == []
        assert _by_key(directory.stored([*batch, *batch])) == _by_key(batch)
    assert directory.lecture(2) == Lecture(2, "demo", "Algebra")
    enrollment = directory.enrollment(100)
    assert enrollment is not None and (enrollment.user_id, enrollment.active) == (9000, True)
    assert directory.active_enrollments("demo", 9000, 1) == [100]
    assert directory.has_session_access(11, 101) and not directory.has_session_access(10, 101)
    assert directory.attendance(11, 101) == "ABSENT"
    # An upsert: a row again with other values replaces it; within a batch the last one counts.
    assert directory.put_many([Lecture(1, "demo", "Calculus II"), Lecture(1, "demo", "III")]) == []
    assert directory.stored([Lecture(1, "demo")]) == [Lecture(1, "demo", "III")]
    assert directory.put_many([Attendance("demo", 10, 100, "LATE")]) == []
    assert directory.attendance(10, 100) == "LATE"


def check_bulk_writes_refuse_another_tenants_ids(directory: Directory) -> None:
    """The owner rule of the single writes, row by row in one batch: the rows whose id another
    tenant owns come back refused and untouched; the rest of the batch is written."""
    mine: list[list[RosterRow]] = [
        [Lecture(1, "demo", "Calculus")],
        [LectureSession(10, 1, "demo", "Week 1")],
        [Student(500, "demo", 9000, "Ada")],
        [EnrollmentRow(100, "demo", 500, 1, True)],
        [SessionAccess("demo", 10, 100)],
        [Attendance("demo", 10, 100, "ONLINE")],
    ]
    theirs: list[list[RosterRow]] = [
        [Lecture(1, "other", "Hijack"), Lecture(2, "other", "Theirs")],
        [LectureSession(10, 2, "other", "Hijack"), LectureSession(12, 2, "other")],
        [Student(500, "other", 1, "Eve"), Student(502, "other", 2, "Bob")],
        [EnrollmentRow(100, "other", 502, 2, False), EnrollmentRow(102, "other", 502, 2, True)],
        [SessionAccess("other", 10, 100), SessionAccess("other", 12, 102)],
        [Attendance("other", 10, 100, "ABSENT"), Attendance("other", 12, 102, "ONLINE")],
    ]
    for batch in mine:
        assert directory.put_many(batch) == []
    for owned, batch in zip(mine, theirs, strict=True):
        assert directory.put_many(batch) == [batch[0]]
        assert _by_key(directory.stored(batch)) == _by_key([*owned, batch[1]])
    assert directory.lecture(1) == Lecture(1, "demo", "Calculus")
    assert directory.attendance(10, 100) == "ONLINE"
    assert directory.active_enrollments("other", 2, 2) == [102]


def check_bulk_batches_are_bounded(directory: Directory) -> None:
    """A full batch is written (every database's parameter limit holds); one row more, or kinds
    mixed, is refused whole before anything is read or written."""
    full = [
        Student(i, "demo", i, "x" * 40, "0" * 16, "1" * 16, "s" * 40, "3")
        for i in range(1, MAX_ROSTER_BATCH + 1)
    ]
    assert directory.put_many(full) == []
    assert len(directory.stored(full)) == MAX_ROSTER_BATCH
    links = [Attendance("demo", i, i, "ONLINE") for i in range(1, MAX_ROSTER_BATCH + 1)]
    assert directory.put_many(links) == []
    assert len(directory.stored(links)) == MAX_ROSTER_BATCH
    too_many = [Lecture(i, "demo") for i in range(1, MAX_ROSTER_BATCH + 2)]
    mixed = [Lecture(7, "demo"), LectureSession(7, 7, "demo")]
    for hostile, why in ((too_many, "at most"), (mixed, "one kind")):
        with pytest.raises(ValueError, match=why):
            directory.put_many(hostile)  # type: ignore[type-var]
        with pytest.raises(ValueError, match=why):
            directory.stored(hostile)  # type: ignore[type-var]
    assert directory.lecture(1) is None and directory.lecture(7) is None


def _by_key(rows: list[RosterRow]) -> dict[tuple[int, ...], RosterRow]:
    return {row.key: row for row in rows}


CHECKS = [
    check_directory_contract,
    check_another_tenants_id_is_never_written,
    check_bulk_rows_read_back_as_written,
    check_bulk_writes_refuse_another_tenants_ids,
    check_bulk_batches_are_bounded,
]
