"""The academy roster held in memory (unit tests and the in-memory container)."""

from __future__ import annotations

from dataclasses import dataclass

from academy_video.app.ports import Enrollment, Lecture, LectureSession, Student


@dataclass(frozen=True)
class _Enrollment:
    tenant: str
    student_id: int
    lecture_id: int
    active: bool


class InMemoryDirectory:
    def __init__(self) -> None:
        self._lectures: dict[int, Lecture] = {}
        self._sessions: dict[int, LectureSession] = {}
        self._students: dict[int, Student] = {}
        self._enrollments: dict[int, _Enrollment] = {}
        self._access: set[tuple[int, int]] = set()
        self._attendance: dict[tuple[int, int], str] = {}

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

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool:
        return (session_id, enrollment_id) in self._access

    def attendance(self, session_id: int, enrollment_id: int) -> str | None:
        return self._attendance.get((session_id, enrollment_id))

    def put_lecture(self, lecture: Lecture) -> None:
        self._lectures[lecture.lecture_id] = lecture

    def put_session(self, session: LectureSession) -> None:
        self._sessions[session.session_id] = session

    def put_student(self, student: Student) -> None:
        self._students[student.student_id] = student

    def put_enrollment(
        self, *, enrollment_id: int, tenant: str, student_id: int, lecture_id: int, active: bool
    ) -> None:
        self._enrollments[enrollment_id] = _Enrollment(tenant, student_id, lecture_id, active)

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> None:
        if granted:
            self._access.add((session_id, enrollment_id))
        else:
            self._access.discard((session_id, enrollment_id))

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> None:
        self._attendance[session_id, enrollment_id] = status
