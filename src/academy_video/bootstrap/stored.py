"""The build every command runs: events where the settings say (SQLite files or PostgreSQL),
the SQL read models beside them, written by the projector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine

from academy_video.adapters.redis.heartbeats import RedisHeartbeats, VersionMirror
from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from academy_video.adapters.redis.session_store import RedisSessionStore
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.analytics import SqlAnalytics
from academy_video.adapters.sql.caption_queue import SqlCaptionQueue
from academy_video.adapters.sql.directory import SqlDirectory
from academy_video.adapters.sql.projector import Projector
from academy_video.adapters.sql.queries import (
    SqlActiveSessions,
    SqlCompletions,
    SqlPendingUploads,
    SqlPlaybackVersions,
    SqlSessionOrders,
)
from academy_video.adapters.sql.queue import SqlJobQueue
from academy_video.adapters.sql.read import ReadModels
from academy_video.app.analytics import AnalyticsService
from academy_video.app.applications import EventSourcedApp
from academy_video.app.config import Settings
from academy_video.app.persistence import event_store_env

from .applications import Applications
from .container import Container
from .from_settings import id_allocator, object_storage, read_engine, reader_engine, worker_waker
from .transcripts import stored_cues, transcript_search
from .webhooks import webhook_service
from .wiring import Adapters, assemble, given_or


def build(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    *,
    event_store: Callable[[str], dict[str, str]] | None = None,
    engine: Engine | None = None,
) -> Container:
    """Events where ``event_store(app_name)`` says (default: the settings'), read models in
    ``engine`` (default: the settings' database), migrated and caught up before returning.
    What ``adapters`` gives replaces the settings' choice."""
    settings = settings or Settings()
    given = adapters or Adapters()
    apps = Applications(event_store or (lambda name: event_store_env(settings, name)))
    engine = engine or read_engine(settings)
    migrate.upgrade(engine)
    storage = given_or(given.storage, lambda: object_storage(settings))
    projector = Projector(
        engine,
        apps.all(),
        audit_key=settings.audit_key.encode(),
        cues_of=stored_cues(storage, given.captions),
    )
    projector.catch_up_all()
    projector.attach()
    reader = reader_engine(engine)
    versions = given_or(given.versions, lambda: SqlPlaybackVersions(reader))
    store, heartbeats, limiter = given.store, given.heartbeats, given.limiter
    if settings.redis_url:
        cluster = settings.redis_cluster
        if store is None:
            store = RedisSessionStore.from_url(settings.redis_url, cluster=cluster)
        if heartbeats is None:
            heartbeats = RedisHeartbeats(settings.redis_url, versions, cluster=cluster)
        if isinstance(store, RedisSessionStore):
            projector.listeners.append(VersionMirror(store.client).projected)
            if limiter is None:
                limiter = RedisRateLimiter(store.client)
    chosen = replace(
        given,
        ids=given_or(given.ids, lambda: id_allocator(settings)),
        storage=storage,
        directory=given_or(given.directory, lambda: SqlDirectory(engine)),
        store=store,
        heartbeats=heartbeats,
        limiter=limiter,
        waker=given_or(given.waker, lambda: worker_waker(settings)),
        queue=given_or(given.queue, lambda: SqlJobQueue(engine)),
        caption_queue=given_or(given.caption_queue, lambda: SqlCaptionQueue(engine)),
        orders=given_or(given.orders, lambda: SqlSessionOrders(reader)),
        active=given_or(given.active, lambda: SqlActiveSessions(reader)),
        pending=given_or(given.pending, lambda: SqlPendingUploads(reader)),
        versions=versions,
        completions=given_or(given.completions, lambda: SqlCompletions(reader)),
    )
    container = assemble(settings, apps, chosen)
    container.engine, container.projector = engine, projector
    projector.clock = container.clock.now  # when the outbox's deliveries are due
    container.reads = ReadModels(reader)
    container.webhook_service = webhook_service(
        settings, apps.webhooks, engine, reader, container.clock, chosen.limiter
    )
    container.transcripts = transcript_search(
        reader, container.playback.access, container.playback.starts.limiter, container.clock
    )
    container.analytics = AnalyticsService(
        SqlAnalytics(reader), container.clock, completion_threshold=settings.completion_threshold
    )
    return container


def open_applications(settings: Settings) -> list[EventSourcedApp]:
    """The five Applications on the settings' event store, without the rest (for the CLI)."""
    return Applications(lambda name: event_store_env(settings, name)).all()
