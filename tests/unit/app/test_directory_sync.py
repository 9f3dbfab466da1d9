"""Directory sync rules: tenant ownership, references, statuses."""

import pytest

from academy_video.app.directory import DirectorySync
from academy_video.app.errors import Invalid, NotFound
from academy_video.app.ports import Student
from tests.fakes.directory import InMemoryDirectory


@pytest.fixture
def sync() -> DirectorySync:
    sync = DirectorySync(InMemoryDirectory())
    sync.put_lecture(tenant="demo", lecture_id=1, title="Calculus")
    sync.put_session(tenant="demo", session_id=10, lecture_id=1, title="Week 1")
    sync.put_student(Student(500, "demo", 9000, "Ada"))
    sync.put_enrollment(
        tenant="demo", enrollment_id=100, student_id=500, lecture_id=1, status="ACTIVE"
    )
    return sync


def test_an_id_another_tenant_uses_is_not_found_and_not_overwritten(sync: DirectorySync) -> None:
    # The other tenant has a lecture and a student of its own: only the ids refuse it.
    sync.put_lecture(tenant="other", lecture_id=2, title="Its own")
    sync.put_student(Student(501, "other", 1, "Eve"))
    with pytest.raises(NotFound):
        sync.put_lecture(tenant="other", lecture_id=1, title="Hijack")
    with pytest.raises(NotFound):
        sync.put_session(tenant="other", session_id=10, lecture_id=2, title="x")
    with pytest.raises(NotFound):
        sync.put_student(Student(500, "other", 1, "Eve"))
    with pytest.raises(NotFound):
        sync.put_enrollment(
            tenant="other", enrollment_id=100, student_id=501, lecture_id=2, status="ACTIVE"
        )
    directory = sync.directory
    lecture, session = directory.lecture(1), directory.session(10)
    student, enrollment = directory.student(500), directory.enrollment(100)
    assert lecture is not None and (lecture.tenant, lecture.title) == ("demo", "Calculus")
    assert session is not None and (session.tenant, session.title) == ("demo", "Week 1")
    assert student is not None and (student.tenant, student.name) == ("demo", "Ada")
    assert enrollment is not None and (enrollment.tenant, enrollment.student_id) == ("demo", 500)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: s.put_session(tenant="demo", session_id=11, lecture_id=2, title=""), "lecture"),
        (
            lambda s: s.put_enrollment(
                tenant="demo", enrollment_id=101, student_id=501, lecture_id=1, status="ACTIVE"
            ),
            "student",
        ),
        (
            lambda s: s.put_enrollment(
                tenant="demo", enrollment_id=101, student_id=500, lecture_id=2, status="ACTIVE"
            ),
            "lecture",
        ),
        (
            lambda s: s.set_access(tenant="demo", session_id=11, enrollment_id=100, granted=True),
            "session",
        ),
        (
            lambda s: s.set_attendance(
                tenant="demo", session_id=10, enrollment_id=101, status="ONLINE"
            ),
            "enrollment",
        ),
        # Another tenant's lecture is as unknown as a missing one.
        (lambda s: s.put_session(tenant="x", session_id=12, lecture_id=1, title=""), "lecture"),
    ],
)
def test_an_unknown_reference_is_unknown_kind(sync: DirectorySync, call: object, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        call(sync)  # type: ignore[operator]
    assert refused.value.code == f"unknown_{code}"


def test_statuses_are_checked(sync: DirectorySync) -> None:
    with pytest.raises(Invalid, match="ACTIVE or INACTIVE"):
        sync.put_enrollment(
            tenant="demo", enrollment_id=100, student_id=500, lecture_id=1, status="active"
        )
    with pytest.raises(Invalid, match="status"):
        sync.set_attendance(tenant="demo", session_id=10, enrollment_id=100, status="")
    link = sync.set_attendance(tenant="demo", session_id=10, enrollment_id=100, status="ONLINE")
    assert (link.status, sync.directory.attendance(10, 100)) == ("ONLINE", "ONLINE")
    granted = sync.set_access(tenant="demo", session_id=10, enrollment_id=100, granted=True)
    assert granted.granted and sync.directory.has_session_access(10, 100)
