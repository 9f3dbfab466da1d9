"""The media URLs a playback session holds (docs/cdn.md): ``play_url``, the master signed for its
own path as the seed did, and ``media_query``, scoped to the video's whole prefix and its AES key.
Both live ``ACADEMY_VIDEO_MEDIA_URL_SECONDS``, at most the token's TTL: that is what a revoked
session keeps of its media, and what a player outlives by refreshing."""

from __future__ import annotations

from academy_video.domain.video import Video
from academy_video.domain.video_storage import published_prefix

from .config import Settings
from .ports import Clock, UrlSigner


class MediaUrls:
    def __init__(self, signer: UrlSigner, settings: Settings, clock: Clock) -> None:
        self.signer = signer
        self.settings = settings
        self.clock = clock

    def cut(self, video: Video, user_id: int, session_id: str) -> tuple[str, str]:
        """``(play_url, media_query)`` for this session, from now."""
        lifetime = min(self.settings.media_url_seconds, self.settings.playback_ttl_seconds)
        exp = int(self.clock.now().timestamp()) + lifetime
        master = "/" + video.hls_path.lstrip("/")
        return (
            self.signer.sign(master, expires_at=exp, user_id=user_id, session_id=session_id),
            self.signer.scope(
                media_scope(video), expires_at=exp, user_id=user_id, session_id=session_id
            ),
        )


def media_scope(video: Video) -> str:
    """What a video's ``media_query`` reaches: the output prefix it was published under (the
    key endpoint accepts a scoped signature for this prefix alone)."""
    return "/" + published_prefix(video.tenant, video.video_id, video.hls_path)
