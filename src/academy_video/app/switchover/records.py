"""The old app's rows as the import reads them, whatever the tables and columns are called, and
the ports the import needs: the reader of the old tables, the id floors, the progress display.

One record type per old table; ``LegacyReader.read`` streams a table's rows in batches (bounded
memory), in key order (playback events: by playback session, then id)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar


@dataclass(frozen=True)
class OldTenant:
    id: int
    code: str


@dataclass(frozen=True)
class OldLecture:
    id: int
    tenant_id: int
    title: str


@dataclass(frozen=True)
class OldSession:
    id: int
    lecture_id: int
    title: str


@dataclass(frozen=True)
class OldStudent:
    id: int
    tenant_id: int
    user_id: int
    name: str
    phone: str | None
    parent_phone: str | None
    school: str | None
    grade: str | int | None


@dataclass(frozen=True)
class OldEnrollment:
    id: int
    student_id: int
    lecture_id: int
    status: str


@dataclass(frozen=True)
class OldSessionAccess:
    id: int
    session_id: int
    enrollment_id: int


@dataclass(frozen=True)
class OldAttendance:
    id: int
    session_id: int
    enrollment_id: int
    status: str


@dataclass(frozen=True)
class OldVideo:
    id: int
    session_id: int
    title: str
    file_key: str
    duration: int | None
    order: int
    thumbnail: str | None
    status: str
    allow_skip: bool
    max_speed: float
    show_watermark: bool
    policy_version: int
    error_reason: str | None
    hls_path: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OldPermission:
    id: int
    video_id: int
    enrollment_id: int
    rule: str
    allow_skip_override: bool | None
    max_speed_override: float | None
    show_watermark_override: bool | None
    block_speed_control: bool
    block_seek: bool
    is_override: bool


@dataclass(frozen=True)
class OldProgress:
    id: int
    video_id: int
    enrollment_id: int
    progress: float
    last_position: int
    completed: bool
    updated_at: datetime


@dataclass(frozen=True)
class OldPlaybackSession:
    id: int
    video_id: int
    enrollment_id: int
    session_id: str
    device_id: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class OldPlaybackEvent:
    id: int
    video_id: int
    enrollment_id: int
    session_id: str
    user_id: int
    event_type: str
    event_payload: Any
    policy_snapshot: Any
    violated: bool
    violation_reason: str
    occurred_at: datetime
    received_at: datetime


# In the order the import reads them: each table's references come before it.
RECORDS: tuple[type, ...] = (
    OldTenant,
    OldLecture,
    OldSession,
    OldStudent,
    OldEnrollment,
    OldSessionAccess,
    OldAttendance,
    OldVideo,
    OldPermission,
    OldProgress,
    OldPlaybackSession,
    OldPlaybackEvent,
)

# The tables read only from their change mark on (``ImportMarks``), and the column that says when
# a row last changed. The others (the roster, permissions: no such column) are read whole and
# compared with what is here, which writes nothing for an unchanged row.
CHANGED_AT: dict[type, str] = {
    OldVideo: "updated_at",
    OldProgress: "updated_at",
    OldPlaybackSession: "updated_at",
    OldPlaybackEvent: "received_at",
}

R = TypeVar("R")


class LegacyReader(Protocol):
    """The old app's tables (``adapters/legacy/reader.py``: SQLAlchemy on its database)."""

    def table(self, record: type) -> str:
        """The old table a record type is read from (``video_video``): named in reports and
        in the import events' ``source``."""
        ...

    def count(self, record: type, since: datetime | None = None) -> int: ...

    def read(self, record: type[R], batch: int, since: datetime | None = None) -> Iterator[list[R]]:
        """The table's rows, ``batch`` at a time, by id (playback events: by playback
        session, then id, so one session's events come together); with ``since``, only those
        whose ``CHANGED_AT`` column is at or after it."""
        ...


class IdFloor(Protocol):
    """The public id allocator, moved past the ids that came over (``adapters/sql/ids.py``)."""

    def advance_past(self, kind: str, value: int) -> None: ...


class ImportMarks(Protocol):
    """Per old table, the latest change time a finished run read (in the new store,
    ``adapters/sql/ids.py``): the next run reads from there, less an overlap."""

    def mark(self, name: str) -> datetime | None: ...

    def set_mark(self, name: str, through: datetime) -> None: ...


@dataclass
class MarksInMemory:
    """Marks held by one import only: each new one reads every row (the content comparison
    still writes only what changed)."""

    held: dict[str, datetime] = field(default_factory=dict)

    def mark(self, name: str) -> datetime | None:
        return self.held.get(name)

    def set_mark(self, name: str, through: datetime) -> None:
        self.held[name] = through


class ImportProgress(Protocol):
    """Where the import tells how far it is (the command's progress bar on stderr)."""

    def start(self, table: str, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, table: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass
