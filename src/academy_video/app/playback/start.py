"""Starting playback: who may (``PlaybackAccess``), the session store's atomic limits, the
policy snapshot recorded with the session, the token and the media URLs. A user opening
session after session is refused first, before any work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.policy import Limits, effective_policy, max_playback_rate

from ..config import Settings
from ..errors import Conflict, Invalid, RateLimited
from ..grants import Grants
from ..media_urls import MediaUrls
from ..ports import Clock, RateLimiter, SessionStore
from ..progresses import Progresses
from ..sessions import PlaybackSessions
from ..tokens import PlaybackClaims, TokenCodec
from ..videos import Videos
from .access import PlaybackAccess


@dataclass(frozen=True)
class Started:
    token: str
    session_id: str
    expires_at: int
    policy: dict[str, Any]
    play_url: str
    media_query: str  # scoped to the video's media (docs/cdn.md); "" when media is unsigned


class SessionStarts:
    def __init__(
        self,
        *,
        videos: Videos,
        grants: Grants,
        progresses: Progresses,
        sessions: PlaybackSessions,
        access: PlaybackAccess,
        store: SessionStore,
        tokens: TokenCodec,
        media: MediaUrls,
        limiter: RateLimiter,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.videos = videos
        self.grants = grants
        self.progresses = progresses
        self.sessions = sessions
        self.access = access
        self.store = store
        self.tokens = tokens
        self.media = media
        self.limiter = limiter
        self.clock = clock
        self.settings = settings
        self.limits = Limits(settings.max_sessions, settings.max_devices)

    def start(
        self, *, tenant: str, user_id: int, video_id: int, enrollment_id: int, device_id: str
    ) -> Started:
        if not device_id:
            raise Invalid("device_id_required")
        self._limit_starts(tenant, user_id)
        video = self.videos.get(video_id, tenant=tenant)
        grant = self.access.check_start(
            video, tenant=tenant, user_id=user_id, enrollment_id=enrollment_id
        )

        now = self.clock.now()
        ttl = self.settings.playback_ttl_seconds
        session_id = str(uuid.uuid4())  # the old app's form (36 characters, hyphens)
        refusal = self.store.start(
            tenant=tenant,
            user_id=user_id,
            session_id=session_id,
            device_id=device_id,
            now=now,
            ttl_seconds=ttl,
            max_sessions=self.limits.max_sessions,
            max_devices=self.limits.max_devices,
        )
        if refusal:
            raise Conflict(refusal)

        completed = self.progresses.is_completed(video_id, enrollment_id)
        policy = effective_policy(
            video.defaults, grant.rules if grant else None, completed=completed, limits=self.limits
        )
        grant_version = self.grants.version(video_id, enrollment_id)
        expires_at = int(now.timestamp()) + ttl
        try:
            self.sessions.record_start(
                PlaybackSession(
                    session_id=session_id,
                    tenant=tenant,
                    video_id=video_id,
                    enrollment_id=enrollment_id,
                    user_id=user_id,
                    device_id=device_id,
                    policy=policy,
                    policy_version=video.policy_version,
                    grant_version=grant_version,
                    started_at=now,
                    expires_at=datetime.fromtimestamp(expires_at, UTC),
                )
            )
        except Exception:
            # Free the slot we took.
            self.store.end(tenant=tenant, user_id=user_id, session_id=session_id)
            raise
        token = self.tokens.encode(
            PlaybackClaims(
                tenant=tenant,
                user_id=user_id,
                video_id=video_id,
                enrollment_id=enrollment_id,
                session_id=session_id,
                policy_version=video.policy_version,
                grant_version=grant_version,
                expires_at=expires_at,
                duration=float(video.duration or 0),
                max_rate=max_playback_rate(policy),
            )
        )
        return Started(
            token, session_id, expires_at, policy, *self.media.cut(video, user_id, session_id)
        )

    def _limit_starts(self, tenant: str, user_id: int) -> None:
        """A user opening session after session (a script, a broken player) is refused before
        any work: ``ACADEMY_VIDEO_START_RATE_PER_MINUTE``, shared by every API process."""
        limit = self.settings.start_rate_per_minute
        if limit > 0 and not self.limiter.allow(
            f"start:{tenant}:{user_id}", limit=limit, window_seconds=60, now=self.clock.now()
        ):
            raise RateLimited()
