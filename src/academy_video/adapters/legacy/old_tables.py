"""The old app's tables as ``old_rules`` reads them: Django's names by default (the old models'
``<app>_<model>``, a foreign key's ``<field>_id``), each table renamable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, String, column, table
from sqlalchemy.sql.expression import TableClause

# logical name → (Django's table name, {column: type})
SCHEMA: dict[str, tuple[str, dict[str, Any]]] = {
    "tenant": ("tenants_tenant", {"id": BigInteger, "code": String}),
    "lecture": ("lectures_lecture", {"id": BigInteger, "tenant_id": BigInteger}),
    "session": ("lectures_session", {"id": BigInteger, "lecture_id": BigInteger}),
    "student": (
        "students_student",
        {
            "id": BigInteger,
            "name": String,
            "phone": String,
            "parent_phone": String,
            "school": String,
            "grade": Integer,
        },
    ),
    "enrollment": (
        "enrollment_enrollment",
        {"id": BigInteger, "student_id": BigInteger, "lecture_id": BigInteger, "status": String},
    ),
    "attendance": (
        "attendance_attendance",
        {"id": BigInteger, "session_id": BigInteger, "enrollment_id": BigInteger, "status": String},
    ),
    "video": (
        "video_video",
        {
            "id": BigInteger,
            "session_id": BigInteger,
            "title": String,
            "file_key": String,
            "duration": Integer,
            "order": Integer,
            "status": String,
            "allow_skip": Boolean,
            "max_speed": Float,
            "show_watermark": Boolean,
            "hls_path": String,
        },
    ),
    "permission": (
        "video_videopermission",
        {
            "id": BigInteger,
            "video_id": BigInteger,
            "enrollment_id": BigInteger,
            "rule": String,
            "allow_skip_override": Boolean,
            "max_speed_override": Float,
            "show_watermark_override": Boolean,
            "block_seek": Boolean,
            "block_speed_control": Boolean,
            "is_override": Boolean,
        },
    ),
    "progress": (
        "video_videoprogress",
        {
            "id": BigInteger,
            "video_id": BigInteger,
            "enrollment_id": BigInteger,
            "progress": Float,
            "last_position": Integer,
            "completed": Boolean,
        },
    ),
    "event": (
        "video_videoplaybackevent",
        {
            "id": BigInteger,
            "video_id": BigInteger,
            "enrollment_id": BigInteger,
            "event_type": String,
            "violated": Boolean,
            "violation_reason": String,
            "occurred_at": DateTime(timezone=True),
            "received_at": DateTime(timezone=True),
        },
    ),
}


class OldTables:
    """One ``TableClause`` per old table; ``names`` renames tables (logical name → table),
    ``schema`` is the PostgreSQL schema they are in (None: the connection's search path)."""

    def __init__(self, names: Mapping[str, str] | None = None, schema: str | None = None) -> None:
        names = names or {}
        unknown = set(names) - set(SCHEMA)
        if unknown:
            raise ValueError(f"unknown old tables: {', '.join(sorted(unknown))}")
        built = {
            logical: table(
                names.get(logical, default),
                *(column(c, k) for c, k in cols.items()),
                schema=schema,
            )
            for logical, (default, cols) in SCHEMA.items()
        }
        self.tenant: TableClause = built["tenant"]
        self.lecture: TableClause = built["lecture"]
        self.session: TableClause = built["session"]
        self.student: TableClause = built["student"]
        self.enrollment: TableClause = built["enrollment"]
        self.attendance: TableClause = built["attendance"]
        self.video: TableClause = built["video"]
        self.permission: TableClause = built["permission"]
        self.progress: TableClause = built["progress"]
        self.event: TableClause = built["event"]
