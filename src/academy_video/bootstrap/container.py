"""What the composition root returns: the Applications, the use-case services, and what they stand
on, for the HTTP app and the commands to use and to close."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from academy_video.adapters.sql.projector import Projector
from academy_video.adapters.sql.read import ReadModels
from academy_video.app.analytics import AnalyticsService
from academy_video.app.applications import EventSourcedApp
from academy_video.app.audit import AuditTrail
from academy_video.app.caption_jobs import CaptionJobService
from academy_video.app.captions import CaptionService
from academy_video.app.catalog import VideoCatalog
from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.app.grants import Grants
from academy_video.app.jobs import JobService
from academy_video.app.permissions import PermissionService
from academy_video.app.playback import Playback
from academy_video.app.ports import (
    Clock,
    Directory,
    ObjectStorage,
    SessionStore,
    SpeechRecogniser,
    Transcoder,
)
from academy_video.app.progress_service import ProgressService
from academy_video.app.progresses import Progresses
from academy_video.app.sessions import PlaybackSessions
from academy_video.app.transcript_search import TranscriptSearch
from academy_video.app.uploads import UploadService
from academy_video.app.videos import Videos
from academy_video.app.webhooks.application import Webhooks
from academy_video.app.webhooks.subscriptions import WebhookService


@dataclass
class Container:
    settings: Settings
    clock: Clock
    videos: Videos
    grants: Grants
    sessions: PlaybackSessions
    progresses: Progresses
    directory: Directory
    storage: ObjectStorage
    store: SessionStore
    uploads: UploadService
    jobs: JobService
    permissions: PermissionService
    playback: Playback
    progress: ProgressService
    directory_sync: DirectorySync
    catalog: VideoCatalog
    transcoder: Transcoder
    webhooks: Webhooks
    captions: CaptionService
    speech: SpeechRecogniser  # the auto-caption step's recogniser
    caption_jobs: CaptionJobService
    # The SQL read models and what keeps them current (None when everything is in memory).
    engine: Engine | None = None
    reads: ReadModels | None = None  # the query side, on an engine that never takes write locks
    analytics: AnalyticsService | None = None  # over the same read models
    transcripts: TranscriptSearch | None = None  # the transcript index's search (on SQL)
    projector: Projector | None = None
    webhook_service: WebhookService | None = None  # subscriptions, replay, feed (on SQL)
    closed: bool = False

    @property
    def applications(self) -> list[EventSourcedApp]:
        return [self.videos, self.grants, self.sessions, self.progresses, self.webhooks]

    @property
    def audit(self) -> AuditTrail:
        return AuditTrail(self.videos, self.grants, self.sessions, self.webhooks)

    def close(self) -> None:
        """Idempotent: the HTTP app's shutdown and a test fixture may both call it."""
        if self.closed:
            return
        self.closed = True
        if self.projector is not None:
            self.projector.stop()
        for app in self.applications:
            app.close()
        if self.reads is not None and self.reads.engine is not self.engine:
            self.reads.engine.dispose()
        if self.engine is not None:
            self.engine.dispose()
