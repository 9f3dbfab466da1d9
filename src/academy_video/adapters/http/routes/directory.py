"""Directory sync (admin): the platform pushes its roster; every call is an idempotent upsert."""

from __future__ import annotations

from litestar import Router, get, put
from litestar.params import JSONBody

from academy_video.app.ports import Student

from ..auth import requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, ReadsDep
from ..schemas import (
    AttendanceIn,
    AttendanceOut,
    EnrollmentIn,
    EnrollmentOut,
    LectureIn,
    LectureOut,
    SessionAccessIn,
    SessionAccessOut,
    SessionIn,
    SessionListed,
    SessionOut,
    StudentIn,
    StudentOut,
)

ADMIN = requires("admin")  # the roster is the platform's: only its admin pushes it


@get("/sessions", sync_to_thread=True, responses=ERRORS)
def list_sessions(caller: CallerDep, reads: ReadsDep) -> list[SessionListed]:
    """Staff: every session of the tenant. A student: the sessions their ACTIVE enrollments
    give access to, each with that enrollment (what the player needs to start)."""
    own = None if caller.is_staff else caller.user_id
    return [
        SessionListed(
            id=row["session_id"],
            lecture_id=row["lecture_id"],
            title=row["title"],
            lecture_title=row["lecture_title"],
            enrollment_id=row.get("enrollment_id"),
        )
        for row in reads.sessions(caller.tenant, user_id=own)
    ]


@put("/lectures/{lecture_id:int}", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_lecture(
    caller: CallerDep, app: AppDep, lecture_id: PathId, data: JSONBody[LectureIn]
) -> LectureOut:
    lecture = app.directory_sync.put_lecture(
        tenant=caller.tenant, lecture_id=lecture_id, title=data.title
    )
    return LectureOut(id=lecture.lecture_id, title=lecture.title)


@put("/sessions/{session_id:int}", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_session(
    caller: CallerDep, app: AppDep, session_id: PathId, data: JSONBody[SessionIn]
) -> SessionOut:
    session = app.directory_sync.put_session(
        tenant=caller.tenant, session_id=session_id, lecture_id=data.lecture_id, title=data.title
    )
    return SessionOut(id=session.session_id, lecture_id=session.lecture_id, title=session.title)


@put("/students/{student_id:int}", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_student(
    caller: CallerDep, app: AppDep, student_id: PathId, data: JSONBody[StudentIn]
) -> StudentOut:
    student = app.directory_sync.put_student(
        Student(
            student_id=student_id,
            tenant=caller.tenant,
            user_id=data.user_id,
            name=data.name,
            phone=data.phone,
            parent_phone=data.parent_phone,
            school=data.school,
            grade=data.grade,
        )
    )
    return StudentOut(
        id=student.student_id,
        user_id=student.user_id,
        name=student.name,
        phone=student.phone,
        parent_phone=student.parent_phone,
        school=student.school,
        grade=student.grade,
    )


@put("/enrollments/{enrollment_id:int}", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_enrollment(
    caller: CallerDep, app: AppDep, enrollment_id: PathId, data: JSONBody[EnrollmentIn]
) -> EnrollmentOut:
    enrollment = app.directory_sync.put_enrollment(
        tenant=caller.tenant,
        enrollment_id=enrollment_id,
        student_id=data.student_id,
        lecture_id=data.lecture_id,
        status=data.status,
    )
    return EnrollmentOut(
        id=enrollment.enrollment_id,
        student_id=enrollment.student_id,
        lecture_id=enrollment.lecture_id,
        status="ACTIVE" if enrollment.active else "INACTIVE",
    )


@put("/session-access", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_session_access(
    caller: CallerDep, app: AppDep, data: JSONBody[SessionAccessIn]
) -> SessionAccessOut:
    app.directory_sync.set_access(
        tenant=caller.tenant,
        session_id=data.session_id,
        enrollment_id=data.enrollment_id,
        granted=data.granted,
    )
    return SessionAccessOut(data.session_id, data.enrollment_id, data.granted)


@put("/attendance", sync_to_thread=True, responses=ERRORS, guards=[ADMIN])
def put_attendance(caller: CallerDep, app: AppDep, data: JSONBody[AttendanceIn]) -> AttendanceOut:
    app.directory_sync.set_attendance(
        tenant=caller.tenant,
        session_id=data.session_id,
        enrollment_id=data.enrollment_id,
        status=data.status,
    )
    return AttendanceOut(data.session_id, data.enrollment_id, data.status)


router = Router(
    "/directory",
    route_handlers=[
        list_sessions,
        put_lecture,
        put_session,
        put_student,
        put_enrollment,
        put_session_access,
        put_attendance,
    ],
    tags=["directory"],
)
