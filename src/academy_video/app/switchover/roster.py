"""The old SaaS's roster (tenants, lectures, sessions, students, enrollments, session access,
attendance) written through the Directory port's bulk methods, a batch per call (a row whose
id another tenant owns there is refused by the write, and skipped with the rows that refer to
it); what the aggregates' import looks up is kept in memory (bounded by the roster's size, not
by the events')."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

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
from academy_video.app.ports.directory import R
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
K = TypeVar("K")


class SkippedRow(Exception):
    """An old row that cannot come over; its message says why."""


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
        self._table(OldLecture, self._lecture, r.lectures)
        self._table(OldSession, self._session, r.sessions)
        self._table(OldStudent, self._student, r.students)
        self._table(OldEnrollment, self._enrollment, r.enrollments)
        self._table(OldSessionAccess, self._access, {})
        self._table(OldAttendance, self._attendance, {})
        return r

    # Each old row as the directory row it becomes (or the reason it is skipped), and what
    # the later tables look up about it.

    def _lecture(self, old: OldLecture) -> tuple[Lecture, str]:
        tenant = self._known(self.roster.tenants.get(old.tenant_id), "tenant")
        return Lecture(old.id, tenant, old.title or ""), tenant

    def _session(self, old: OldSession) -> tuple[LectureSession, tuple[str, int]]:
        tenant = self._known(self.roster.lectures.get(old.lecture_id), "lecture")
        return LectureSession(old.id, old.lecture_id, tenant, old.title or ""), (
            tenant,
            old.lecture_id,
        )

    def _student(self, old: OldStudent) -> tuple[Student, tuple[str, int]]:
        tenant = self._known(self.roster.tenants.get(old.tenant_id), "tenant")
        grade = "" if old.grade is None else str(old.grade)
        phones = (old.phone or "", old.parent_phone or "")
        row = Student(old.id, tenant, old.user_id, old.name or "", *phones, old.school or "", grade)
        return row, (tenant, old.user_id)

    def _enrollment(self, old: OldEnrollment) -> tuple[EnrollmentRow, tuple[str, int, int]]:
        student = self._known(self.roster.students.get(old.student_id), "student")
        tenant = self._known(self.roster.lectures.get(old.lecture_id), "lecture")
        if student[0] != tenant:
            raise SkippedRow("student and lecture of other tenants")
        active = old.status in self.active_statuses
        row = EnrollmentRow(old.id, tenant, old.student_id, old.lecture_id, active)
        return row, (tenant, old.lecture_id, student[1])

    def _access(self, old: OldSessionAccess) -> tuple[SessionAccess, None]:
        tenant = self._linked(old.session_id, old.enrollment_id)
        return SessionAccess(tenant, old.session_id, old.enrollment_id), None

    def _attendance(self, old: OldAttendance) -> tuple[Attendance, None]:
        tenant = self._linked(old.session_id, old.enrollment_id)
        return Attendance(tenant, old.session_id, old.enrollment_id, old.status), None

    def _linked(self, session_id: int, enrollment_id: int) -> str:
        session = self._known(self.roster.sessions.get(session_id), "session")
        enrollment = self._known(self.roster.enrollments.get(enrollment_id), "enrollment")
        if session[0] != enrollment[0] or session[1] != enrollment[1]:
            raise SkippedRow("session and enrollment of other lectures")
        return session[0]

    @staticmethod
    def _known(found: K | None, kind: str) -> K:
        if found is None:
            raise SkippedRow(f"dangling {kind}")
        return found

    # Writing ---------------------------------------------------------------------------------

    def _table(
        self,
        record: type[T],
        convert: Callable[[T], tuple[R, Any]],
        looked_up: dict[int, Any],
    ) -> None:
        """Every row of ``record``'s table, a batch at a time: the stored rows read in one
        call, the new and changed written in one (``Directory.put_many``); a row whose id
        another tenant owns is skipped, and so are the rows that refer to it."""
        for rows in self._batches(record):
            wanted: list[tuple[int, R]] = []
            for old in rows:
                key = getattr(old, "id")  # noqa: B009 (every record has one)
                try:
                    row, found = convert(old)
                except SkippedRow as skipped:
                    self._skip(record, key, str(skipped))
                    continue
                looked_up[key] = found
                wanted.append((key, row))
            for start in range(0, len(wanted), MAX_ROSTER_BATCH):
                self._write(record, wanted[start : start + MAX_ROSTER_BATCH], looked_up)

    def _write(self, record: type, wanted: list[tuple[int, R]], looked_up: dict[int, Any]) -> None:
        stored = {row.key: row for row in self.directory.stored([row for _, row in wanted])}
        changed = [row for _, row in wanted if stored.get(row.key) != row]
        refused = {row.key for row in self.directory.put_many(changed)} if self.write else set()
        for key, row in wanted:
            if row.key in refused:
                del looked_up[key]
                self._skip(record, key, "its id is another tenant's here")
                continue
            have = stored.get(row.key)
            self._count(record, changed=have is not None and have != row, new=have is None)

    def _batches(self, record: type[T]) -> Iterator[list[T]]:
        self.progress.start(self.reader.table(record), self.reader.count(record))
        for rows in self.reader.read(record, self.batch):
            yield rows
            self.progress.advance(len(rows))

    def _rows(self, record: type[T]) -> Iterator[T]:
        for rows in self._batches(record):
            yield from rows

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
