"""The AES-128 key of a video's HLS media, for the key endpoint (docs/cdn.md): its bytes go to
an ACTIVE, live session of that user and video, under rules that did not tighten since it
started, at most KEY_REQUESTS_PER_MINUTE times a minute. The endpoint has checked the URL's
signature; a signature scoped to a prefix must be this video's media."""

from __future__ import annotations

from academy_video.domain.playback_session import SessionStatus
from academy_video.domain.video import Video, key_object

from ..errors import Denied, NotFound, RateLimited
from ..media_urls import media_scope
from ..ports import Clock, ObjectStorage, PlaybackVersions, RateLimiter, SessionStore
from ..sessions import PlaybackSessions
from ..videos import Videos
from .checks import stale
from .policy_updates import PolicyUpdates

KEY_REQUESTS_PER_MINUTE = 30  # per session: hls.js asks once per key rotation and retry


class MediaKeys:
    def __init__(
        self,
        *,
        videos: Videos,
        sessions: PlaybackSessions,
        store: SessionStore,
        versions: PlaybackVersions,
        updates: PolicyUpdates,
        storage: ObjectStorage,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.videos = videos
        self.sessions = sessions
        self.store = store
        self.versions = versions
        self.updates = updates
        self.storage = storage
        self.limiter = limiter
        self.clock = clock

    def key(self, *, session_id: str, user_id: int, video_id: int, scope: str | None) -> bytes:
        """The key's bytes. ``scope``: the prefix the URL was signed for (None: signed for the
        endpoint's own path); another video's is ``invalid_signature``, before any session
        check. NotFound when the video was packaged without encryption (there is no key)."""
        video = self._video(video_id)
        if scope is not None and (video is None or scope != media_scope(video)):
            raise Denied("invalid_signature")
        video = self._allow(session_id, user_id, video_id, video)
        try:
            stream = self.storage.open(key_object(video.tenant, video_id))
        except KeyError:
            raise NotFound() from None
        with stream:
            return stream.read()

    def _allow(self, session_id: str, user_id: int, video_id: int, video: Video | None) -> Video:
        """An ACTIVE, live session of that user and video, whose rules did not tighten since
        (``policy_changed``, as its heartbeat hears; a loosening the heartbeat has not adopted
        yet still gets the key), under its rate limit. The signed URL names a user but no
        tenant: the session's tenant is the student's, and the video must be that tenant's
        (NotFound)."""
        now = self.clock.now()
        try:
            session = self.sessions.get(session_id)
        except NotFound:
            raise Denied("invalid_session") from None
        if (
            session.video_id != video_id
            or session.user_id != user_id
            or session.status != SessionStatus.ACTIVE
            or not self.store.is_active(
                tenant=session.tenant, user_id=user_id, session_id=session_id, now=now
            )
        ):
            raise Denied("session_inactive")
        # The limit before the rules' check: a stale session's check loads aggregates.
        allowed = self.limiter.allow(
            f"key:{session_id}", limit=KEY_REQUESTS_PER_MINUTE, window_seconds=60, now=now
        )
        if not allowed:
            raise RateLimited()
        if stale(session.versions, self.versions.current(video_id, session.enrollment_id)):
            self.updates.check(session)
        if video is None or video.tenant != session.tenant:
            raise NotFound()
        return video

    def _video(self, video_id: int) -> Video | None:
        try:
            return self.videos.get(video_id)
        except NotFound:
            return None
