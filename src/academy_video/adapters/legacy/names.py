"""Which old table and columns each record is read from. The defaults are the names Django gave
the old models (``video_video``, ``enrollment_enrollment``, …); an academy whose SaaS named them
otherwise passes a JSON file: ``{"video_video": {"table": "old_videos", "columns": {"title":
"name"}}}`` (keys are the default table names; columns are the records' field names). The
import's reader and ``--verify``'s old rules read the same names (``old_table``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from academy_video.app.switchover.records import RECORDS

MAX_NAME = 63  # PostgreSQL's identifier length

DEFAULT_TABLES: dict[str, str] = {
    "OldTenant": "tenants_tenant",
    "OldLecture": "lectures_lecture",
    "OldSession": "lectures_session",
    "OldStudent": "students_student",
    "OldEnrollment": "enrollment_enrollment",
    "OldSessionAccess": "enrollment_sessionenrollment",
    "OldAttendance": "attendance_attendance",
    "OldVideo": "video_video",
    "OldPermission": "video_videopermission",
    "OldProgress": "video_videoprogress",
    "OldPlaybackSession": "video_videoplaybacksession",
    "OldPlaybackEvent": "video_videoplaybackevent",
}


@dataclass(frozen=True)
class TableNames:
    table: str
    columns: dict[str, str]  # record field → column


def default_names() -> dict[type, TableNames]:
    return {
        record: TableNames(
            DEFAULT_TABLES[record.__name__], {f.name: f.name for f in fields(record)}
        )
        for record in RECORDS
    }


def load_names(path: Path | None) -> dict[type, TableNames]:
    """The defaults with a JSON file's renames; ValueError for an unknown table, field or a
    name that is not a plain identifier."""
    names = default_names()
    if path is None:
        return names
    given: Any = json.loads(path.read_text())
    if not isinstance(given, dict):
        raise ValueError("the names file holds a JSON object")
    by_table = {n.table: record for record, n in names.items()}
    for table, change in given.items():
        if table not in by_table or not isinstance(change, dict):
            raise ValueError(f"unknown table {table!r} in the names file")
        record = by_table[table]
        columns = dict(names[record].columns)
        for field, column in dict(change.get("columns", {})).items():
            if field not in columns:
                raise ValueError(f"unknown field {field!r} of {table}")
            columns[field] = _identifier(column)
        names[record] = TableNames(_identifier(change.get("table", table)), columns)
    return names


def _identifier(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier() or len(name) > MAX_NAME:
        raise ValueError(f"not a table or column name: {name!r}")
    return name


def old_table(
    names: TableNames, types: Mapping[str, Any], schema: str | None = None
) -> sa.FromClause:
    """The old table with ``types``' columns (record field → SQL type), each reachable by its
    field name (``.c.title``) and answering under it, whatever the column is called."""
    table = sa.table(
        names.table,
        *(sa.column(names.columns[field], kind) for field, kind in types.items()),
        schema=schema,
    )
    if all(names.columns[field] == field for field in types):
        return table
    renamed = [table.c[names.columns[field]].label(field) for field in types]
    return sa.select(*renamed).subquery(names.table)
