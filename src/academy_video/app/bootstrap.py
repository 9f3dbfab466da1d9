"""The composition root: builds the whole application from settings and adapters.

``build_in_memory()`` wires everything in process (POPO event store, in-memory views and
adapters); ``build()`` stores events where the settings say (SQLite files or PostgreSQL) and
keeps the SQL read models beside them, written by the projector. Every dependency can be
replaced by keyword, which is how tests pass their fakes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from academy_video.adapters.aws.ec2 import Ec2WorkerWaker
from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.adapters.media.probe import PROBE_LIMITS, PyAvProbe
from academy_video.adapters.media.transcoder import PyAvTranscoder, TranscodeLimits
from academy_video.adapters.memory.basics import InMemoryIdAllocator, NoopWorkerWaker, SystemClock
from academy_video.adapters.memory.directory import InMemoryDirectory
from academy_video.adapters.memory.heartbeats import DirectHeartbeats
from academy_video.adapters.memory.media import FakeMediaProbe, InMemoryObjectStorage
from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.adapters.memory.versions import AggregateVersions
from academy_video.adapters.memory.views import (
    InMemoryActiveSessions,
    InMemoryJobQueue,
    InMemoryPendingUploads,
    InMemorySessionOrders,
)
from academy_video.adapters.redis.heartbeats import RedisHeartbeats, VersionMirror
from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from academy_video.adapters.redis.session_store import RedisSessionStore
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.analytics import SqlAnalytics
from academy_video.adapters.sql.directory import SqlDirectory
from academy_video.adapters.sql.engine import postgres_engine, sqlite_engine
from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator
from academy_video.adapters.sql.projector import Projector
from academy_video.adapters.sql.queries import (
    SqlActiveSessions,
    SqlPendingUploads,
    SqlPlaybackVersions,
    SqlSessionOrders,
)
from academy_video.adapters.sql.queue import SqlJobQueue
from academy_video.adapters.sql.read import ReadModels
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.adapters.storage.s3 import S3ObjectStorage

from .analytics import AnalyticsService
from .applications import EventSourcedApp
from .audit import AuditTrail
from .catalog import VideoCatalog
from .config import Settings
from .directory import DirectorySync
from .grants import Grants
from .jobs import JobService
from .media_urls import MediaUrls
from .permissions import PermissionService
from .persistence import COMMON, event_store_env
from .playback import (
    LiveSessions,
    MediaKeys,
    Playback,
    PlaybackAccess,
    Reconciliation,
    SessionStarts,
)
from .ports import (
    ActiveSessions,
    Clock,
    Directory,
    IdAllocator,
    JobQueue,
    MediaProbe,
    ObjectStorage,
    PlaybackVersions,
    RateLimiter,
    SessionOrders,
    SessionStore,
    Transcoder,
    UrlSigner,
    WorkerWaker,
)
from .progress_service import ProgressService
from .progresses import Progresses
from .sessions import PlaybackSessions
from .tokens import TokenCodec
from .uploads import UploadService
from .videos import Videos

# The POPO store, whatever the process environment says: in-memory means in memory.
IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", **COMMON}


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
    # The SQL read models and what keeps them current (None when everything is in memory).
    engine: Engine | None = None
    reads: ReadModels | None = None  # the query side, on an engine that never takes write locks
    analytics: AnalyticsService | None = None  # over the same read models
    projector: Projector | None = None
    closed: bool = False

    @property
    def applications(self) -> list[EventSourcedApp]:
        return [self.videos, self.grants, self.sessions, self.progresses]

    @property
    def audit(self) -> AuditTrail:
        return AuditTrail(self.videos, self.grants, self.sessions)

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


SESSION_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "20000", "AGGREGATE_CACHE_FASTFORWARD": "y"}


def build_in_memory(settings: Settings | None = None, **overrides: Any) -> Container:
    """Everything in process: the POPO event store and in-memory views and adapters."""
    apps = _Apps(lambda _name: IN_MEMORY_ENV)
    overrides.setdefault("ids", InMemoryIdAllocator())
    overrides.setdefault("directory", InMemoryDirectory())
    overrides.setdefault("queue", _listening(apps.videos, InMemoryJobQueue()))
    overrides.setdefault("orders", _listening(apps.videos, InMemorySessionOrders()))
    overrides.setdefault("active", _listening(apps.sessions, InMemoryActiveSessions()))
    overrides.setdefault("pending", _listening(apps.videos, InMemoryPendingUploads()))
    overrides.setdefault("versions", AggregateVersions(apps.videos, apps.grants))
    return _assemble(settings or Settings(), apps, **overrides)


def build(
    settings: Settings | None = None,
    *,
    event_store: Callable[[str], dict[str, str]] | None = None,
    engine: Engine | None = None,
    **overrides: Any,
) -> Container:
    """Events where ``event_store(app_name)`` says (default: the settings'), read models in
    ``engine`` (default: the settings' database), migrated and caught up before returning."""
    settings = settings or Settings()
    apps = _Apps(event_store or (lambda name: event_store_env(settings, name)))
    engine = engine or read_engine(settings)
    migrate.upgrade(engine)
    projector = Projector(engine, apps.all(), audit_key=settings.audit_key.encode())
    projector.catch_up_all()
    projector.attach()
    overrides.setdefault("ids", id_allocator(settings))
    overrides.setdefault("storage", object_storage(settings))
    if settings.redis_url:
        store = overrides.setdefault("store", RedisSessionStore.from_url(settings.redis_url))
        if isinstance(store, RedisSessionStore):
            projector.listeners.append(VersionMirror(store.client).projected)
            overrides.setdefault("limiter", RedisRateLimiter(store.client))
    overrides.setdefault("waker", worker_waker(settings))
    reader = reader_engine(engine)
    overrides.setdefault("directory", SqlDirectory(engine))
    overrides.setdefault("queue", SqlJobQueue(engine))
    overrides.setdefault("orders", SqlSessionOrders(reader))
    overrides.setdefault("active", SqlActiveSessions(reader))
    overrides.setdefault("pending", SqlPendingUploads(reader))
    versions = overrides.setdefault("versions", SqlPlaybackVersions(reader))
    if settings.redis_url:
        overrides.setdefault("heartbeats", RedisHeartbeats(settings.redis_url, versions))
    container = _assemble(settings, apps, **overrides)
    container.engine, container.projector = engine, projector
    container.reads = ReadModels(reader)
    container.analytics = AnalyticsService(
        SqlAnalytics(reader), container.clock, completion_threshold=settings.completion_threshold
    )
    return container


def open_applications(settings: Settings) -> list[EventSourcedApp]:
    """The four Applications on the settings' event store, without the rest (for the CLI)."""
    return _Apps(lambda name: event_store_env(settings, name)).all()


class _Apps:
    def __init__(self, env: Callable[[str], dict[str, str]]) -> None:
        self.videos, self.grants = Videos(env("Videos")), Grants(env("Grants"))
        # Sessions are written a batch of player events at a time: keep them in memory (a hit
        # still reads the events saved since, so other processes' writes are seen).
        self.sessions = PlaybackSessions(env("PlaybackSessions") | SESSION_CACHE)
        self.progresses = Progresses(env("Progresses"))

    def all(self) -> list[EventSourcedApp]:
        return [self.videos, self.grants, self.sessions, self.progresses]


def _assemble(settings: Settings, apps: _Apps, **overrides: Any) -> Container:
    clock: Clock = overrides.get("clock") or SystemClock()
    storage: ObjectStorage = overrides.get("storage") or InMemoryObjectStorage()
    probe: MediaProbe = overrides.get("probe") or _probe_for(storage, settings)
    directory: Directory = overrides["directory"]
    ids: IdAllocator = overrides["ids"]
    queue: JobQueue = overrides["queue"]
    orders: SessionOrders = overrides["orders"]
    active: ActiveSessions = overrides["active"]
    store: SessionStore = overrides.get("store") or InMemorySessionStore()
    waker: WorkerWaker = overrides.get("waker") or NoopWorkerWaker()
    signer: UrlSigner = overrides.get("signer") or HmacUrlSigner(
        base_url=settings.cdn_base_url,
        secret=settings.cdn_signing_secret,
        key_id=settings.cdn_signing_key_id,
    )
    videos, grants, sessions, progresses = apps.videos, apps.grants, apps.sessions, apps.progresses
    progress = ProgressService(
        videos=videos, progresses=progresses, grants=grants, ids=ids, settings=settings
    )
    return Container(
        settings=settings,
        clock=clock,
        videos=videos,
        grants=grants,
        sessions=sessions,
        progresses=progresses,
        directory=directory,
        storage=storage,
        store=store,
        uploads=UploadService(
            videos=videos,
            directory=directory,
            storage=storage,
            probe=probe,
            ids=ids,
            orders=orders,
            waker=waker,
            pending=overrides["pending"],
            clock=clock,
            max_upload_bytes=settings.max_upload_bytes,
            upload_ttl_hours=settings.upload_ttl_hours,
        ),
        jobs=JobService(videos=videos, queue=queue, clock=clock, waker=waker, settings=settings),
        permissions=PermissionService(videos=videos, grants=grants, directory=directory, ids=ids),
        playback=_playback(
            settings,
            apps,
            overrides,
            directory=directory,
            storage=storage,
            store=store,
            active=active,
            signer=signer,
            clock=clock,
            progress=progress,
        ),
        progress=progress,
        directory_sync=DirectorySync(directory),
        catalog=VideoCatalog(videos=videos, storage=storage),
        transcoder=overrides.get("transcoder") or transcoder_for(settings, storage),
    )


def _playback(
    settings: Settings,
    apps: _Apps,
    overrides: dict[str, Any],
    *,
    directory: Directory,
    storage: ObjectStorage,
    store: SessionStore,
    active: ActiveSessions,
    signer: UrlSigner,
    clock: Clock,
    progress: ProgressService,
) -> Playback:
    """The playback use cases, each given only what it uses."""
    videos, grants, sessions = apps.videos, apps.grants, apps.sessions
    versions: PlaybackVersions = overrides["versions"]
    limiter: RateLimiter = overrides.get("limiter") or InMemoryRateLimiter()
    tokens = TokenCodec(settings.playback_token_secret or secrets.token_urlsafe(32))
    media = MediaUrls(signer, settings, clock)
    access = PlaybackAccess(directory, grants)
    return Playback(
        starts=SessionStarts(
            videos=videos,
            grants=grants,
            progresses=apps.progresses,
            sessions=sessions,
            access=access,
            store=store,
            tokens=tokens,
            media=media,
            limiter=limiter,
            clock=clock,
            settings=settings,
        ),
        live=LiveSessions(
            videos=videos,
            sessions=sessions,
            progress=progress,
            store=store,
            heartbeats=overrides.get("heartbeats") or DirectHeartbeats(store, versions),
            versions=versions,
            tokens=tokens,
            media=media,
            limiter=limiter,
            clock=clock,
            settings=settings,
        ),
        keys=MediaKeys(
            videos=videos,
            sessions=sessions,
            store=store,
            versions=versions,
            storage=storage,
            limiter=limiter,
            clock=clock,
        ),
        reconciliation=Reconciliation(
            sessions=sessions,
            active=active,
            store=store,
            clock=clock,
            settings=settings,
        ),
        access=access,
        signer=signer,
    )


def id_allocator(settings: Settings) -> IdAllocator:
    """Public ids from the same database as the events: a sequence per kind, or a SQLite counter."""
    if settings.database_url:
        return PostgresIdAllocator(settings.database_url)
    return SQLiteIdAllocator(settings.data_dir / "ids.sqlite3")


def read_engine(settings: Settings) -> Engine:
    """Read models in the events' PostgreSQL database, or in ``<data dir>/read.sqlite3``."""
    if settings.database_url:
        return postgres_engine(settings.database_url)
    return sqlite_engine(settings.data_dir / "read.sqlite3")


def object_storage(settings: Settings) -> ObjectStorage:
    """S3 when a bucket is set, else the local disk under ``<data dir>/objects``."""
    if settings.s3_bucket:
        return S3ObjectStorage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region or settings.aws_region or None,
        )
    return LocalDiskStorage(
        settings.data_dir / "objects",
        base_url=settings.public_url or "http://127.0.0.1:8000",
        secret=settings.playback_token_secret or secrets.token_urlsafe(32),
        max_bytes=settings.max_upload_bytes,
    )


def transcoder_for(settings: Settings, storage: ObjectStorage) -> Transcoder:
    return PyAvTranscoder(
        storage,
        preset=settings.transcode_preset,
        segment_seconds=settings.hls_segment_seconds,
        encrypt=settings.hls_encrypt,
        max_seconds=settings.max_source_seconds,
        limits=TranscodeLimits(
            memory_bytes=settings.transcode_memory_mb * 1024 * 1024,
            time_factor=settings.transcode_time_factor,
        ),
    )


def worker_waker(settings: Settings) -> WorkerWaker:
    if settings.worker_instance_id:
        return Ec2WorkerWaker(settings.worker_instance_id, region=settings.aws_region or None)
    return NoopWorkerWaker()


def reader_engine(engine: Engine) -> Engine:
    """The engine for queries: on SQLite one whose transactions do not take the write lock
    (the writer's BEGIN IMMEDIATE would queue every read behind the writes); PostgreSQL's
    readers never wait for writers, so the same engine serves."""
    if engine.dialect.name != "sqlite":
        return engine
    assert engine.url.database is not None
    return sqlite_engine(Path(engine.url.database), writer=False)


def _probe_for(storage: ObjectStorage, settings: Settings) -> MediaProbe:
    """The fake probe reads the in-memory store's fake media; every real store gets PyAV."""
    if isinstance(storage, InMemoryObjectStorage):
        return FakeMediaProbe(storage)
    limits = replace(PROBE_LIMITS, wall_seconds=settings.probe_seconds)
    return PyAvProbe(max_seconds=settings.max_source_seconds, limits=limits)


def _listening(app: EventSourcedApp, view: Any) -> Any:
    """Bring the view up to date with what is stored, then keep it current on every save."""
    app.replay(view)
    app.listen(view)
    return view
