"""The one place the use cases are wired: the five Applications, the adapters a build chose
(``Adapters``), and ``assemble``, which hands each service what it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from academy_video.adapters.captions.parsing import WebVttCaptionParser
from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.adapters.memory.basics import NoopWorkerWaker, SystemClock
from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.app.caption_jobs import CaptionJobService
from academy_video.app.captions import CaptionService
from academy_video.app.catalog import VideoCatalog
from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.app.jobs import JobService
from academy_video.app.permissions import PermissionService
from academy_video.app.ports import (
    ActiveSessions,
    CaptionJobQueue,
    CaptionParser,
    Clock,
    Completions,
    Directory,
    Heartbeats,
    IdAllocator,
    JobQueue,
    MediaProbe,
    ObjectStorage,
    PendingUploads,
    PlaybackVersions,
    RateLimiter,
    SessionOrders,
    SessionStore,
    SpeechRecogniser,
    Transcoder,
    UrlSigner,
    WorkerWaker,
)
from academy_video.app.progress_service import ProgressService
from academy_video.app.subtitle_renditions import SubtitleRenditions
from academy_video.app.uploads import UploadService

from .applications import Applications
from .container import Container
from .from_settings import media_probe, speech_recogniser, transcoder_for
from .playback import playback

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True, slots=True)
class Adapters:
    """The adapters a build uses instead of its own choice, each typed with its port. A field
    left None is chosen by the build (``build``: from the settings); a misspelled name is a
    TypeError here, not an override silently ignored."""

    clock: Clock | None = None
    ids: IdAllocator | None = None
    storage: ObjectStorage | None = None
    probe: MediaProbe | None = None
    transcoder: Transcoder | None = None
    directory: Directory | None = None
    store: SessionStore | None = None
    heartbeats: Heartbeats | None = None
    limiter: RateLimiter | None = None
    waker: WorkerWaker | None = None
    signer: UrlSigner | None = None
    # The read side: what the use cases ask of many aggregates at once.
    queue: JobQueue | None = None
    orders: SessionOrders | None = None
    active: ActiveSessions | None = None
    pending: PendingUploads | None = None
    versions: PlaybackVersions | None = None
    completions: Completions | None = None
    captions: CaptionParser | None = None
    caption_queue: CaptionJobQueue | None = None
    speech: SpeechRecogniser | None = None


def assemble(settings: Settings, apps: Applications, adapters: Adapters) -> Container:
    """The services on ``apps`` and ``adapters``. The storage, the ids, the directory and the
    read side must be given; the rest defaults to what the embedded default uses."""
    storage = _given(adapters.storage, "storage")
    directory = _given(adapters.directory, "directory")
    ids = _given(adapters.ids, "ids")
    versions = _given(adapters.versions, "versions")
    clock = given_or(adapters.clock, SystemClock)
    store = given_or(adapters.store, InMemorySessionStore)
    waker = given_or(adapters.waker, NoopWorkerWaker)
    signer = given_or(adapters.signer, lambda: _signer(settings))
    caption_parser = given_or(adapters.captions, WebVttCaptionParser)
    videos, grants, sessions, progresses = apps.videos, apps.grants, apps.sessions, apps.progresses
    renditions = SubtitleRenditions(  # caption changes and completions both write the master
        videos=videos,
        storage=storage,
        parser=caption_parser,
        segment_seconds=settings.hls_segment_seconds,
    )
    progress = ProgressService(
        videos=videos, progresses=progresses, grants=grants, ids=ids, settings=settings
    )
    captions = CaptionService(
        videos=videos, storage=storage, parser=caption_parser, renditions=renditions
    )
    speech = given_or(adapters.speech, lambda: speech_recogniser(settings, storage))
    container = Container(
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
            probe=given_or(adapters.probe, lambda: media_probe(settings)),
            ids=ids,
            orders=_given(adapters.orders, "orders"),
            waker=waker,
            pending=_given(adapters.pending, "pending"),
            clock=clock,
            max_upload_bytes=settings.max_upload_bytes,
            upload_ttl_hours=settings.upload_ttl_hours,
        ),
        jobs=JobService(
            videos=videos,
            queue=_given(adapters.queue, "queue"),
            clock=clock,
            waker=waker,
            settings=settings,
            storage=storage,
            renditions=renditions,
        ),
        permissions=PermissionService(videos=videos, grants=grants, directory=directory, ids=ids),
        playback=playback(
            settings,
            apps,
            directory=directory,
            storage=storage,
            store=store,
            active=_given(adapters.active, "active"),
            signer=signer,
            clock=clock,
            progress=progress,
            versions=versions,
            completions=_given(adapters.completions, "completions"),
            heartbeats=adapters.heartbeats,
            limiter=adapters.limiter,
        ),
        progress=progress,
        directory_sync=DirectorySync(directory),
        catalog=VideoCatalog(videos=videos, storage=storage),
        transcoder=given_or(adapters.transcoder, lambda: transcoder_for(settings, storage)),
        webhooks=apps.webhooks,
        captions=captions,
        speech=speech,
        caption_jobs=CaptionJobService(
            videos=videos,
            captions=captions,
            queue=_given(adapters.caption_queue, "caption_queue"),
            clock=clock,
            settings=settings,
            languages=frozenset({speech.language.split("-")[0].lower()}),
        ),
    )
    if settings.auto_captions_after_transcode:
        after = container.caption_jobs.after_transcode(settings.auto_captions_after_transcode)
        container.jobs.on_first_ready = after
    return container


def _signer(settings: Settings) -> UrlSigner:
    return HmacUrlSigner(
        base_url=settings.cdn_base_url,
        secret=settings.cdn_signing_secret,
        key_id=settings.cdn_signing_key_id,
    )


def _given(adapter: T | None, name: str) -> T:
    if adapter is None:
        raise TypeError(f"assemble needs Adapters.{name}")
    return adapter


def given_or(adapter: T | None, default: Callable[[], T]) -> T:
    """The adapter given, else the default (made only when needed: some open files or sockets)."""
    return default() if adapter is None else adapter
