"""The Directory port's contract: every adapter must pass these (in memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import TypedDict

from academy_video.app.ports import Directory, Lecture, LectureSession, Student


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


CHECKS = [check_directory_contract, check_another_tenants_id_is_never_written]
