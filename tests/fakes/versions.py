"""PlaybackVersions read from the aggregates themselves (the in-memory container, which keeps
no read models)."""

from __future__ import annotations

from academy_video.app.errors import NotFound
from academy_video.app.grants import Grants
from academy_video.app.videos import Videos


class AggregateVersions:
    def __init__(self, videos: Videos, grants: Grants) -> None:
        self.videos = videos
        self.grants = grants

    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        try:
            video = self.videos.get(video_id)
        except NotFound:
            return None
        return video.policy_version, self.grants.version(video_id, enrollment_id)
