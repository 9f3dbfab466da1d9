"""The academy roster held in memory (tests, and the embedded default until SQL lands)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from academy_video.app.ports import Enrollment, LectureSession


@dataclass(frozen=True)
class Lecture:
    lecture_id: int
    tenant: str
    title: str = ""


class InMemoryDirectory:
    def __init__(self) -> None:
        self.lectures: dict[int, Lecture] = {}
        self.sessions: dict[int, LectureSession] = {}
        self.enrollments: dict[int, Enrollment] = {}
        self.access: set[tuple[int, int]] = set()

    # Writes: what the platform pushes.

    def put_lecture(self, lecture_id: int, tenant: str, title: str = "") -> None:
        self.lectures[lecture_id] = Lecture(lecture_id, tenant, title)

    def put_session(self, session_id: int, lecture_id: int, title: str = "") -> None:
        lecture = self.lectures[lecture_id]
        self.sessions[session_id] = LectureSession(session_id, lecture_id, lecture.tenant, title)

    def put_enrollment(self, enrollment: Enrollment) -> None:
        self.enrollments[enrollment.enrollment_id] = enrollment

    def set_access(self, session_id: int, enrollment_id: int, granted: bool = True) -> None:
        if granted:
            self.access.add((session_id, enrollment_id))
        else:
            self.access.discard((session_id, enrollment_id))

    # The Directory port.

    def session(self, session_id: int) -> LectureSession | None:
        return self.sessions.get(session_id)

    def enrollment(self, enrollment_id: int) -> Enrollment | None:
        return self.enrollments.get(enrollment_id)

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool:
        return (session_id, enrollment_id) in self.access

    def enrollments_of_user(self, user_id: int, lecture_id: int) -> Iterable[Enrollment]:
        return [
            e
            for e in self.enrollments.values()
            if e.user_id == user_id and e.lecture_id == lecture_id
        ]
