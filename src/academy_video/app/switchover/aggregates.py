"""The old app's videos, permissions, progress, playback sessions and playback events as
aggregates: each new one starts with its ``Imported`` event naming its source row; one already
here whose old row changed gets the ordinary events of that change. Each aggregate is saved
whole (its events in one save) or, when its row is bad, not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from academy_video.app.applications import EventSourcedApp
from academy_video.domain.errors import DomainError
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession, SessionStatus
from academy_video.domain.policy import ClientEventType, GrantRules, Rule
from academy_video.domain.progress import WatchProgress
from academy_video.domain.video import Video, VideoStatus
from academy_video.domain.video_storage import is_under

from .histories import OneByOne, StoredHistories, find_many
from .records import (
    CHANGED_AT,
    ImportMarks,
    ImportProgress,
    LegacyReader,
    MarksInMemory,
    OldPermission,
    OldPlaybackEvent,
    OldPlaybackSession,
    OldProgress,
    OldVideo,
)
from .report import ImportReport
from .roster import Roster

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
# The old worker published under ``media/hls/…``; this service's under ``hls/…``.
OLD_THUMBNAILS = "thumbnails/"  # the old ImageField's upload_to: thumbnails instructors uploaded
OLD_STATUS = {"PROCESSING": VideoStatus.UPLOADED}  # the old worker's lease does not come along
RETRANSCODE = "import django --retranscode: this service's ladder and AES key"


class BadRow(Exception):
    pass


@dataclass
class AggregateImport:
    reader: LegacyReader
    videos: EventSourcedApp
    grants: EventSourcedApp
    progresses: EventSourcedApp
    sessions: EventSourcedApp
    roster: Roster
    report: ImportReport
    progress: ImportProgress
    write: bool
    retranscode: bool
    batch: int
    marks: ImportMarks = field(default_factory=MarksInMemory)
    overlap: timedelta = timedelta(0)
    video_tenant: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    # video → (tenant, lecture, policy version)
    highest: dict[str, int] = field(default_factory=dict)  # id kind → highest id seen
    unsaved: dict[str, PlaybackSession] = field(default_factory=dict)  # a dry run's sessions
    histories: StoredHistories = field(default_factory=OneByOne)
    # The aggregates of the batch at hand that are here already (one read per batch), and those
    # the batch created: a second row of one aggregate in a batch finds the first's.
    batch_found: dict[UUID, Aggregate] = field(default_factory=dict)

    def run(self) -> None:
        self._each(OldVideo, self.videos, self._video, lambda r: Video.create_id(r.id))
        self._each(OldPermission, self.grants, self._grant, _pair_id(PermissionGrant))
        self._each(OldProgress, self.progresses, self._progress, _pair_id(WatchProgress))
        self._each(
            OldPlaybackSession, self.sessions, self._session, lambda r: _session_id(r.session_id)
        )
        self._events()

    def _since(self, record: type) -> datetime | None:
        """Where this table's read starts: its mark less the overlap (a row saved late by a
        transaction that began before the mark, or another server's clock, still comes)."""
        through = self.marks.mark(self.reader.table(record))
        return None if through is None else through - self.overlap

    def _advance(self, record: type, rows: list[Any], latest: datetime | None) -> datetime | None:
        column = CHANGED_AT[record]
        return max((getattr(r, column) for r in rows), default=latest) if rows else latest

    def _mark(self, record: type, latest: datetime | None) -> None:
        """Only once the whole table is saved: an interrupted run reads it again from the
        previous mark, and finds what it saved unchanged."""
        if self.write and latest is not None:
            self.marks.set_mark(self.reader.table(record), latest)

    def _each(
        self,
        record: type[T],
        app: EventSourcedApp,
        build: Callable[[T], Aggregate | None],
        aggregate_id: Callable[[T], UUID | None],
    ) -> None:
        table, since = self.reader.table(record), self._since(record)
        latest: datetime | None = None
        self.progress.start(table, self.reader.count(record, since))
        for rows in self.reader.read(record, self.batch, since):
            self._load(app, [aggregate_id(row) for row in rows])
            pending: dict[UUID, Aggregate] = {}
            for row in rows:
                try:
                    aggregate = build(row)
                except (BadRow, DomainError, ValueError) as error:
                    self.report.skip(
                        table, getattr(row, "id", "?"), str(error) or type(error).__name__
                    )
                    continue
                if aggregate is not None:
                    pending[aggregate.id] = self.batch_found[aggregate.id] = aggregate
            if self.write and pending:
                app.save(*pending.values())
            self.progress.advance(len(rows))
            if record in CHANGED_AT:
                latest = self._advance(record, rows, latest)
        self._mark(record, latest)

    def _load(self, app: EventSourcedApp, ids: list[UUID | None]) -> None:
        """The aggregates of a batch's rows that are here, read at once (``_found``)."""
        self.batch_found = dict(
            find_many(self.histories, app, {i for i in ids if i is not None}, Aggregate)
        )

    def _found(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        found = self.batch_found.get(aggregate_id)
        return found if isinstance(found, cls) else None

    def _count(self, table: str, existing: Aggregate | None, changed: bool) -> None:
        counts = self.report.counts(table)
        if existing is None:
            counts.imported += 1
        elif changed:
            counts.changed += 1
        else:
            counts.unchanged += 1

    def _seen(self, kind: str, value: int) -> None:
        self.highest[kind] = max(self.highest.get(kind, 0), value)

    def _video(self, row: OldVideo) -> Aggregate | None:
        session = self.roster.sessions.get(row.session_id)
        if session is None:
            raise BadRow("dangling session")
        if row.status not in VideoStatus.__members__:
            raise BadRow(f"unknown status {row.status!r}")
        if row.duration is not None and row.duration < 0:
            raise BadRow("negative duration")
        tenant, lecture = session
        own = (f"hls/{tenant}/videos/{row.id}/", f"media/hls/{tenant}/videos/{row.id}/")
        ready = row.status == VideoStatus.READY
        if ready and not any(is_under(row.hls_path, p) for p in own):
            raise BadRow("hls_path is not under the video's own prefix")
        thumbnail = row.thumbnail or ""
        if not any(is_under(thumbnail, p) for p in (*own, OLD_THUMBNAILS)):
            thumbnail = ""  # another video's media is not this one's to show
        status = OLD_STATUS.get(row.status, VideoStatus(row.status))
        self.video_tenant[row.id] = (tenant, lecture, row.policy_version)
        self._seen("videos", row.id)
        table = self.reader.table(OldVideo)
        existing = self._found(Video.create_id(row.id), Video)
        if existing is None:
            video = Video.imported(
                source=f"{table}:{row.id}",
                created_at=row.created_at,
                video_id=row.id,
                tenant=tenant,
                session_id=row.session_id,
                title=row.title,
                file_key=row.file_key,
                order=row.order,
                allow_skip=row.allow_skip,
                max_speed=row.max_speed,
                show_watermark=row.show_watermark,
                status=status.value,
                policy_version=row.policy_version,
                duration=None if row.duration is None else float(row.duration),
                hls_path=row.hls_path if ready else "",
                thumbnail_key=thumbnail,
                error_reason=row.error_reason or "",
            )
            if video.status == VideoStatus.UPLOADED:
                video.request_retry()  # queued for this service's workers
            elif self.retranscode and video.plays_old_output:
                video.request_reencode(RETRANSCODE)  # READY and playable meanwhile
            self._count(table, None, False)
            return video
        changed = existing.edit(title=row.title or existing.title, order=row.order)
        if ready:
            # The old worker finished during the switchover window.
            changed |= existing.adopt_old_output(
                hls_path=row.hls_path,
                duration=None if row.duration is None else float(row.duration),
                thumbnail_key=thumbnail if thumbnail.startswith(own) else "",
            )
        if self.retranscode and existing.plays_old_output:
            changed |= existing.request_reencode(RETRANSCODE)  # once: again while queued is a no-op
        changed |= existing.change_policy(
            allow_skip=row.allow_skip, max_speed=row.max_speed, show_watermark=row.show_watermark
        )
        self._count(table, existing, changed)
        return existing if changed else None

    def _video_here(self, video_id: int) -> tuple[str, int, int] | None:
        """A video this run did not read (unchanged since the mark), as the store has it."""
        if video_id not in self.video_tenant:
            video = self.videos.find(Video.create_id(video_id), Video)
            session = None if video is None else self.roster.sessions.get(video.session_id)
            if video is None or session is None:
                return None
            self.video_tenant[video_id] = (video.tenant, session[1], video.policy_version)
        return self.video_tenant[video_id]

    def _audience(self, video_id: int, enrollment_id: int) -> str:
        video, enrollment = (
            self._video_here(video_id),
            self.roster.enrollments.get(enrollment_id),
        )
        if video is None:
            raise BadRow("dangling video")
        if enrollment is None:
            raise BadRow("dangling enrollment")
        if video[:2] != enrollment[:2]:
            raise BadRow("enrollment of another lecture")
        return video[0]

    def _grant(self, row: OldPermission) -> Aggregate | None:
        tenant = self._audience(row.video_id, row.enrollment_id)
        if row.rule not in {r.value for r in Rule}:
            raise BadRow(f"unknown rule {row.rule!r}")
        rules = GrantRules(
            rule=Rule(row.rule),
            allow_skip_override=row.allow_skip_override,
            max_speed_override=row.max_speed_override,
            show_watermark_override=row.show_watermark_override,
            block_seek=row.block_seek,
            block_speed_control=row.block_speed_control,
        )
        self._seen("permissions", row.id)
        table = self.reader.table(OldPermission)
        existing = self._found(
            PermissionGrant.create_id(row.video_id, row.enrollment_id), PermissionGrant
        )
        if existing is None:
            self._count(table, None, False)
            return PermissionGrant.imported(
                video_id=row.video_id,
                enrollment_id=row.enrollment_id,
                tenant=tenant,
                permission_id=row.id,
                source=f"{table}:{row.id}",
                rules=rules,
                is_override=row.is_override,
            )
        changed = existing.set_rules(rules, is_override=row.is_override)
        self._count(table, existing, changed)
        return existing if changed else None

    def _progress(self, row: OldProgress) -> Aggregate | None:
        tenant = self._audience(row.video_id, row.enrollment_id)
        self._seen("progress", row.id)
        table = self.reader.table(OldProgress)
        existing = self._found(
            WatchProgress.create_id(row.video_id, row.enrollment_id), WatchProgress
        )
        if existing is None:
            self._count(table, None, False)
            return WatchProgress.imported(
                video_id=row.video_id,
                enrollment_id=row.enrollment_id,
                tenant=tenant,
                progress_id=row.id,
                source=f"{table}:{row.id}",
                progress=float(row.progress),
                last_position=float(row.last_position),
                completed=row.completed,
            )
        wanted = (float(row.progress), row.completed, float(row.last_position))
        changed = wanted != (existing.progress, existing.completed, existing.last_position)
        if changed:
            existing.correct(progress=wanted[0], completed=wanted[1], last_position=wanted[2])
        self._count(table, existing, changed)
        return existing if changed else None

    def _session(self, row: OldPlaybackSession) -> Aggregate | None:
        tenant = self._audience(row.video_id, row.enrollment_id)
        if row.status not in SessionStatus.__members__:
            raise BadRow(f"unknown status {row.status!r}")
        if not row.session_id or len(row.session_id) > 64:
            raise BadRow("session_id empty or longer than 64")
        table = self.reader.table(OldPlaybackSession)
        existing = self._found(PlaybackSession.create_id(row.session_id), PlaybackSession)
        if existing is None:
            self._count(table, None, False)
            created = PlaybackSession.imported(
                source=f"{table}:{row.id}",
                status=row.status,
                ended_at=row.ended_at,
                session_id=row.session_id,
                tenant=tenant,
                video_id=row.video_id,
                enrollment_id=row.enrollment_id,
                user_id=self.roster.enrollments[row.enrollment_id][2],
                device_id=row.device_id[:128],
                policy={},
                policy_version=self.video_tenant[row.video_id][2],
                grant_version=0,
                started_at=row.started_at,
                expires_at=row.ended_at or row.started_at,
            )
            if not self.write:
                self.unsaved[row.session_id] = created
            return created
        changed = existing.status == SessionStatus.ACTIVE and row.status != existing.status
        if changed:
            closing: dict[str, Callable[[datetime], Any]] = {
                "ENDED": lambda at: existing.end(now=at),
                "EXPIRED": lambda at: existing.expire(now=at),
                "REVOKED": lambda at: existing.revoke(reason="imported", now=at),
            }
            closing[row.status](row.ended_at or row.updated_at)
        self._count(table, existing, changed)
        return existing if changed else None

    def _events(self) -> None:
        table, since = self.reader.table(OldPlaybackEvent), self._since(OldPlaybackEvent)
        latest: datetime | None = None
        self.progress.start(table, self.reader.count(OldPlaybackEvent, since))
        for rows in self.reader.read(OldPlaybackEvent, self.batch, since):
            pending: list[Aggregate] = []
            self._load(self.sessions, [_session_id(i) for i in {row.session_id for row in rows}])
            for session_id, group in _by_session(rows):
                session = self.unsaved.get(session_id) or self._found(
                    PlaybackSession.create_id(session_id), PlaybackSession
                )
                items = [item for item in (self._item(session, row) for row in group) if item]
                counts = self.report.counts(table)
                if session is None or not items:
                    continue
                fresh = session.import_events(items, source=table)
                counts.imported += fresh
                counts.unchanged += len(items) - fresh
                if fresh:
                    pending.append(session)
            if self.write and pending:
                self.sessions.save(*pending)
            self.progress.advance(len(rows))
            latest = self._advance(OldPlaybackEvent, rows, latest)
        self._mark(OldPlaybackEvent, latest)

    def _item(self, session: PlaybackSession | None, row: OldPlaybackEvent) -> dict[str, Any]:
        table = self.reader.table(OldPlaybackEvent)
        if session is None:
            self.report.skip(table, row.id, "dangling playback session")
        elif (session.video_id, session.enrollment_id) != (row.video_id, row.enrollment_id):
            self.report.skip(table, row.id, "video or enrollment not its session's")
        elif row.event_type not in ClientEventType.__members__:
            self.report.skip(table, row.id, f"unknown event type {row.event_type!r}")
        else:
            return {
                "id": row.id,
                "type": row.event_type,
                "occurred_at": row.occurred_at.timestamp(),
                "received_at": row.received_at.timestamp(),
                "payload": row.event_payload if isinstance(row.event_payload, dict) else {},
                "policy_snapshot": row.policy_snapshot
                if isinstance(row.policy_snapshot, dict)
                else {},
                "violated": bool(row.violated),
                "reason": row.violation_reason or "",
            }
        return {}


def _pair_id(cls: type[PermissionGrant] | type[WatchProgress]) -> Callable[[Any], UUID]:
    return lambda row: cls.create_id(row.video_id, row.enrollment_id)


def _session_id(session_id: str) -> UUID | None:
    """None for an id the session's import refuses (``_session`` says why)."""
    try:
        return PlaybackSession.create_id(session_id)
    except (DomainError, ValueError):
        return None


def _by_session(rows: list[OldPlaybackEvent]) -> Iterator[tuple[str, list[OldPlaybackEvent]]]:
    group: list[OldPlaybackEvent] = []
    for row in rows:
        if group and group[0].session_id != row.session_id:
            yield group[0].session_id, group
            group = []
        group.append(row)
    if group:
        yield group[0].session_id, group
