"""The playback use cases wired: one token codec, one media-URL cutter, one limiter and one
access rule, shared by the use cases that need them."""

from __future__ import annotations

import secrets

from academy_video.adapters.memory.heartbeats import DirectHeartbeats
from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.app.config import Settings
from academy_video.app.media_urls import MediaUrls
from academy_video.app.playback import (
    LiveSessions,
    MediaKeys,
    Playback,
    PlaybackAccess,
    PolicyUpdates,
    Reconciliation,
    SessionStarts,
)
from academy_video.app.ports import (
    ActiveSessions,
    Clock,
    Completions,
    Directory,
    Heartbeats,
    ObjectStorage,
    PlaybackVersions,
    RateLimiter,
    SessionStore,
    UrlSigner,
)
from academy_video.app.progress_service import ProgressService
from academy_video.app.tokens import TokenCodec
from academy_video.domain.policy import Limits

from .applications import Applications


def playback(
    settings: Settings,
    apps: Applications,
    *,
    directory: Directory,
    storage: ObjectStorage,
    store: SessionStore,
    active: ActiveSessions,
    signer: UrlSigner,
    clock: Clock,
    progress: ProgressService,
    versions: PlaybackVersions,
    completions: Completions,
    heartbeats: Heartbeats | None,
    limiter: RateLimiter | None,
) -> Playback:
    """The playback use cases, each given only what it uses."""
    videos, grants, sessions = apps.videos, apps.grants, apps.sessions
    limiter = limiter or InMemoryRateLimiter()
    tokens = TokenCodec(settings.playback_token_secret or secrets.token_urlsafe(32))
    media = MediaUrls(signer, settings, clock)
    access = PlaybackAccess(directory, grants)
    updates = PolicyUpdates(
        videos=videos,
        grants=grants,
        completions=completions,
        sessions=sessions,
        limits=Limits(settings.max_sessions, settings.max_devices),
        clock=clock,
    )
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
            heartbeats=heartbeats or DirectHeartbeats(store, versions),
            versions=versions,
            updates=updates,
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
            updates=updates,
            storage=storage,
            limiter=limiter,
            clock=clock,
        ),
        reconciliation=Reconciliation(
            sessions=sessions, active=active, store=store, clock=clock, settings=settings
        ),
        access=access,
        signer=signer,
    )
