"""The old app's tables as ``old_rules`` reads them, named as the import reads them
(``names.py``: Django's names by default, a ``--names`` file renames tables and columns), so
``--verify`` reads the very rows the import read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, String
from sqlalchemy.sql.expression import FromClause

from academy_video.app.switchover.records import (
    OldAttendance,
    OldEnrollment,
    OldLecture,
    OldPermission,
    OldPlaybackEvent,
    OldProgress,
    OldSession,
    OldStudent,
    OldTenant,
    OldVideo,
)

from .names import TableNames, default_names, old_table

# logical name → (the record read, {its field: SQL type}): what the old rules read
SCHEMA: dict[str, tuple[type, dict[str, Any]]] = {
    "tenant": (OldTenant, {"id": BigInteger, "code": String}),
    "lecture": (OldLecture, {"id": BigInteger, "tenant_id": BigInteger}),
    "session": (OldSession, {"id": BigInteger, "lecture_id": BigInteger}),
    "student": (
        OldStudent,
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
        OldEnrollment,
        {"id": BigInteger, "student_id": BigInteger, "lecture_id": BigInteger, "status": String},
    ),
    "attendance": (
        OldAttendance,
        {"id": BigInteger, "session_id": BigInteger, "enrollment_id": BigInteger, "status": String},
    ),
    "video": (
        OldVideo,
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
            "thumbnail": String,
        },
    ),
    "permission": (
        OldPermission,
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
        OldProgress,
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
        OldPlaybackEvent,
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
    """One selectable per old table, its columns reachable (and answering) under the records'
    field names; ``names`` are the import's (``load_names``), ``schema`` the PostgreSQL schema
    the tables are in (None: the connection's search path)."""

    def __init__(
        self, names: Mapping[type, TableNames] | None = None, schema: str | None = None
    ) -> None:
        named = {**default_names(), **(names or {})}
        built = {
            logical: old_table(named[record], columns, schema)
            for logical, (record, columns) in SCHEMA.items()
        }
        self.tenant: FromClause = built["tenant"]
        self.lecture: FromClause = built["lecture"]
        self.session: FromClause = built["session"]
        self.student: FromClause = built["student"]
        self.enrollment: FromClause = built["enrollment"]
        self.attendance: FromClause = built["attendance"]
        self.video: FromClause = built["video"]
        self.permission: FromClause = built["permission"]
        self.progress: FromClause = built["progress"]
        self.event: FromClause = built["event"]
