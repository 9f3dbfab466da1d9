"""The old app's videos, permissions, progress, playback sessions and playback events as
aggregates: each new one starts with its ``Imported`` event naming its source row; one already
here whose old row changed gets the ordinary events of that change. Each aggregate is saved
whole (its events in one save) or, when its row is bad, not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from academy_video.domain.errors import DomainError
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession, SessionStatus
from academy_video.domain.policy import ClientEventType, GrantRules, Rule
from academy_video.domain.progress import WatchProgress
from academy_video.domain.video import Video, VideoStatus
from academy_video.domain.video_storage import is_under

from .import_batches import BadRow, ImportBatches
from .records import (
    OldPermission,
    OldPlaybackEvent,
    OldPlaybackSession,
    OldProgress,
    OldVideo,
)

# The old worker published under ``media/hls/…``; this service's under ``hls/…``.
OLD_THUMBNAILS = "thumbnails/"  # the old ImageField's upload_to: thumbnails instructors uploaded
OLD_STATUS = {"PROCESSING": VideoStatus.UPLOADED}  # the old worker's lease does not come along
RETRANSCODE = "import django --retranscode: this service's ladder and AES key"


@dataclass
class AggregateImport(ImportBatches):
    """The five old tables' rows as aggregates, in the order their references need."""

    def run(self) -> None:
        self._each(OldVideo, self.videos, self._video, lambda r: Video.create_id(r.id))
        self._each(OldPermission, self.grants, self._grant, _pair_id(PermissionGrant))
        self._each(OldProgress, self.progresses, self._progress, _pair_id(WatchProgress))
        self._each(
            OldPlaybackSession, self.sessions, self._session, lambda r: _session_id(r.session_id)
        )
        self._events()

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
