"""The composition root: builds the whole application from settings and adapters.

``build_in_memory()`` wires everything in process (POPO event store, in-memory adapters) in one
call; ``build()`` stores events where the settings say (SQLite file or PostgreSQL). Every
dependency can be replaced by keyword, which is how tests pass their fakes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.adapters.memory.basics import InMemoryIdAllocator, NoopWorkerWaker, SystemClock
from academy_video.adapters.memory.directory import InMemoryDirectory
from academy_video.adapters.memory.media import FakeMediaProbe, InMemoryObjectStorage
from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.adapters.memory.views import (
    InMemoryActiveSessions,
    InMemoryJobQueue,
    InMemorySessionOrders,
)
from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator

from .config import Settings
from .grants import Grants
from .jobs import JobService
from .permissions import PermissionService
from .persistence import event_store_env
from .playback import PlaybackService
from .ports import (
    ActiveSessions,
    Clock,
    Directory,
    IdAllocator,
    JobQueue,
    MediaProbe,
    ObjectStorage,
    SessionOrders,
    SessionStore,
    UrlSigner,
    WorkerWaker,
)
from .progress import Progresses
from .sessions import PlaybackSessions
from .tokens import TokenCodec
from .uploads import UploadService
from .videos import Videos
from .watching import ProgressService

# The POPO store, whatever the process environment says: in-memory means in memory.
IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


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
    playback: PlaybackService
    progress: ProgressService


def build_in_memory(settings: Settings | None = None, **overrides: Any) -> Container:
    overrides.setdefault("ids", InMemoryIdAllocator())
    return build(settings, event_store=lambda _name: IN_MEMORY_ENV, **overrides)


def build(
    settings: Settings | None = None,
    *,
    event_store: Callable[[str], dict[str, str]] | None = None,
    **overrides: Any,
) -> Container:
    """The whole application; events go to ``event_store(app_name)`` (default: the settings')."""
    settings = settings or Settings()
    env = event_store or (lambda name: event_store_env(settings, name))
    clock: Clock = overrides.get("clock") or SystemClock()
    storage: ObjectStorage = overrides.get("storage") or InMemoryObjectStorage()
    probe: MediaProbe = overrides.get("probe") or _fake_probe(storage)
    directory: Directory = overrides.get("directory") or InMemoryDirectory()
    ids: IdAllocator = overrides.get("ids") or id_allocator(settings)
    store: SessionStore = overrides.get("store") or InMemorySessionStore()
    waker: WorkerWaker = overrides.get("waker") or NoopWorkerWaker()
    signer: UrlSigner = overrides.get("signer") or HmacUrlSigner(
        base_url=settings.cdn_base_url,
        secret=settings.cdn_signing_secret,
        key_id=settings.cdn_signing_key_id,
    )
    tokens = TokenCodec(settings.playback_token_secret or secrets.token_urlsafe(32))

    videos, grants = Videos(env("Videos")), Grants(env("Grants"))
    sessions, progresses = PlaybackSessions(env("PlaybackSessions")), Progresses(env("Progresses"))

    queue: JobQueue = overrides.get("queue") or _listening(videos, InMemoryJobQueue())
    orders: SessionOrders = overrides.get("orders") or _listening(videos, InMemorySessionOrders())
    active: ActiveSessions = overrides.get("active") or _listening(
        sessions, InMemoryActiveSessions()
    )

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
        ),
        jobs=JobService(videos=videos, queue=queue, clock=clock, waker=waker, settings=settings),
        permissions=PermissionService(videos=videos, grants=grants, directory=directory, ids=ids),
        playback=PlaybackService(
            videos=videos,
            grants=grants,
            sessions=sessions,
            progresses=progresses,
            progress=progress,
            directory=directory,
            store=store,
            signer=signer,
            tokens=tokens,
            clock=clock,
            active=active,
            settings=settings,
        ),
        progress=progress,
    )


def id_allocator(settings: Settings) -> IdAllocator:
    """Public ids from the same database as the events: a sequence per kind, or a SQLite counter."""
    if settings.database_url:
        return PostgresIdAllocator(settings.database_url)
    return SQLiteIdAllocator(settings.data_dir / "ids.sqlite3")


def _fake_probe(storage: ObjectStorage) -> MediaProbe:
    if not isinstance(storage, InMemoryObjectStorage):
        raise TypeError("pass a MediaProbe that can read this storage")
    return FakeMediaProbe(storage)


def _listening(app: Videos | PlaybackSessions, view: Any) -> Any:
    """Bring the view up to date with what is stored, then keep it current on every save."""
    app.replay(view)
    app.listen(view)
    return view
