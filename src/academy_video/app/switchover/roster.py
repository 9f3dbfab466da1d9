"""The old SaaS's roster (tenants, lectures, sessions, students, enrollments, session access,
attendance) written through the Directory port; what the aggregates' import looks up is kept
in memory (bounded by the roster's size, not by the events')."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from academy_video.app.ports import Directory
from academy_video.app.ports.directory import Lecture, LectureSession, Student
from academy_video.domain.ids import is_tenant_code

from .records import (
    ImportProgress,
    LegacyReader,
    OldAttendance,
    OldEnrollment,
    OldLecture,
    OldSession,
    OldSessionAccess,
    OldStudent,
    OldTenant,
)
from .report import ImportReport

T = TypeVar("T")


@dataclass
class Roster:
    tenants: dict[int, str] = field(default_factory=dict)  # old id → tenant code
    lectures: dict[int, str] = field(default_factory=dict)  # → tenant
    sessions: dict[int, tuple[str, int]] = field(default_factory=dict)  # → (tenant, lecture)
    students: dict[int, tuple[str, int]] = field(default_factory=dict)  # → (tenant, user id)
    enrollments: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    # enrollment → (tenant, lecture, user id)


@dataclass
class RosterImport:
    reader: LegacyReader
    directory: Directory
    report: ImportReport
    write: bool
    tenant_map: dict[str, str]
    active_statuses: frozenset[str]
    batch: int
    progress: ImportProgress
    roster: Roster = field(default_factory=Roster)

    def run(self) -> Roster:
        r = self.roster
        for old in self._rows(OldTenant):
            code = self.tenant_map.get(old.code, old.code)
            if not is_tenant_code(code):
                self._skip(OldTenant, old.id, f"tenant code {code!r} is no slug: map it")
                continue
            r.tenants[old.id] = code
            self._count(OldTenant, changed=False, new=True)
        for lecture in self._rows(OldLecture):
            tenant = r.tenants.get(lecture.tenant_id)
            if tenant is None:
                self._skip(OldLecture, lecture.id, "dangling tenant")
                continue
            r.lectures[lecture.id] = tenant
            self._put(
                OldLecture,
                self.directory.lecture(lecture.id),
                Lecture(lecture.id, tenant, lecture.title or ""),
                self.directory.put_lecture,
            )
        for session in self._rows(OldSession):
            tenant = r.lectures.get(session.lecture_id)
            if tenant is None:
                self._skip(OldSession, session.id, "dangling lecture")
                continue
            r.sessions[session.id] = (tenant, session.lecture_id)
            wanted = LectureSession(session.id, session.lecture_id, tenant, session.title or "")
            self._put(
                OldSession, self.directory.session(session.id), wanted, self.directory.put_session
            )
        for student in self._rows(OldStudent):
            tenant = r.tenants.get(student.tenant_id)
            if tenant is None:
                self._skip(OldStudent, student.id, "dangling tenant")
                continue
            r.students[student.id] = (tenant, student.user_id)
            wanted_student = Student(
                student.id,
                tenant,
                student.user_id,
                student.name or "",
                student.phone or "",
                student.parent_phone or "",
                student.school or "",
                "" if student.grade is None else str(student.grade),
            )
            self._put(
                OldStudent,
                self.directory.student(student.id),
                wanted_student,
                self.directory.put_student,
            )
        for enrollment in self._rows(OldEnrollment):
            self._enrollment(enrollment)
        for access in self._rows(OldSessionAccess):
            self._link(OldSessionAccess, access.id, access.session_id, access.enrollment_id, None)
        for attendance in self._rows(OldAttendance):
            self._link(
                OldAttendance,
                attendance.id,
                attendance.session_id,
                attendance.enrollment_id,
                attendance.status,
            )
        return r

    def _enrollment(self, enrollment: OldEnrollment) -> None:
        r = self.roster
        student, tenant = (
            r.students.get(enrollment.student_id),
            r.lectures.get(enrollment.lecture_id),
        )
        if student is None or tenant is None:
            which = "student" if student is None else "lecture"
            self._skip(OldEnrollment, enrollment.id, f"dangling {which}")
            return
        if student[0] != tenant:
            self._skip(OldEnrollment, enrollment.id, "student and lecture of other tenants")
            return
        r.enrollments[enrollment.id] = (tenant, enrollment.lecture_id, student[1])
        active = enrollment.status in self.active_statuses
        have = self.directory.enrollment(enrollment.id)
        same = have is not None and (
            have.tenant,
            have.student_id,
            have.lecture_id,
            have.active,
        ) == (tenant, enrollment.student_id, enrollment.lecture_id, active)
        if not same and self.write:
            self.directory.put_enrollment(
                enrollment_id=enrollment.id,
                tenant=tenant,
                student_id=enrollment.student_id,
                lecture_id=enrollment.lecture_id,
                active=active,
            )
        self._count(OldEnrollment, changed=have is not None and not same, new=have is None)

    def _link(
        self, record: type, key: int, session_id: int, enrollment_id: int, status: str | None
    ) -> None:
        session, enrollment = (
            self.roster.sessions.get(session_id),
            self.roster.enrollments.get(enrollment_id),
        )
        if session is None or enrollment is None:
            self._skip(record, key, f"dangling {'session' if session is None else 'enrollment'}")
            return
        if session[0] != enrollment[0] or session[1] != enrollment[1]:
            self._skip(record, key, "session and enrollment of other lectures")
            return
        if status is None:
            same = self.directory.has_session_access(session_id, enrollment_id)
            if not same and self.write:
                self.directory.set_access(
                    tenant=session[0],
                    session_id=session_id,
                    enrollment_id=enrollment_id,
                    granted=True,
                )
            self._count(record, changed=False, new=not same)
            return
        have = self.directory.attendance(session_id, enrollment_id)
        if have != status and self.write:
            self.directory.set_attendance(
                tenant=session[0], session_id=session_id, enrollment_id=enrollment_id, status=status
            )
        self._count(record, changed=have is not None and have != status, new=have is None)

    def _put(self, record: type, have: Any, wanted: Any, put: Callable[[Any], bool]) -> None:
        if have != wanted and self.write:
            put(wanted)
        self._count(record, changed=have is not None and have != wanted, new=have is None)

    def _rows(self, record: type[T]) -> Iterator[T]:
        self.progress.start(self.reader.table(record), self.reader.count(record))
        for rows in self.reader.read(record, self.batch):
            yield from rows
            self.progress.advance(len(rows))

    def _count(self, record: type, *, changed: bool, new: bool) -> None:
        counts = self.report.counts(self.reader.table(record))
        if new:
            counts.imported += 1
        elif changed:
            counts.changed += 1
        else:
            counts.unchanged += 1

    def _skip(self, record: type, key: int, reason: str) -> None:
        self.report.skip(self.reader.table(record), key, reason)
