"""The academy's directory as it is synced in: lectures, sessions, students, enrollments,
access and attendance."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from .common import Id, Short, StrictInput, Text


class LectureIn(StrictInput):
    title: Text = ""


class LectureOut(Struct):
    id: int
    title: str


class SessionIn(StrictInput):
    lecture_id: Id
    title: Text = ""


class SessionOut(Struct):
    id: int
    lecture_id: int
    title: str


class SessionListed(Struct):
    """A session as the console and the player list it; ``enrollment_id`` is the student's
    enrollment that gives access (null in staff's view)."""

    id: int
    lecture_id: int
    title: str
    lecture_title: str
    enrollment_id: int | None = None


class StudentIn(StrictInput):
    user_id: Id
    name: Text = ""
    phone: Short = ""
    parent_phone: Short = ""
    school: Text = ""
    grade: Short = ""


class StudentOut(Struct):
    id: int
    user_id: int
    name: str
    phone: str
    parent_phone: str
    school: str
    grade: str


class EnrollmentIn(StrictInput):
    student_id: Id
    lecture_id: Id
    status: Literal["ACTIVE", "INACTIVE"]


class EnrollmentOut(Struct):
    id: int
    student_id: int
    lecture_id: int
    status: str


class SessionAccessIn(StrictInput):
    session_id: Id
    enrollment_id: Id
    granted: bool


class SessionAccessOut(Struct):
    session_id: int
    enrollment_id: int
    granted: bool


class AttendanceIn(StrictInput):
    session_id: Id
    enrollment_id: Id
    status: Annotated[str, Meta(min_length=1, max_length=32)]


class AttendanceOut(Struct):
    session_id: int
    enrollment_id: int
    status: str
