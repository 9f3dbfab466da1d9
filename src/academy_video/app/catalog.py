"""Instructors' edits of their videos: metadata and policy, and deletion with its media."""

from __future__ import annotations

import logging
from collections.abc import Callable

from academy_video.domain.caption_tracks import captions_prefix
from academy_video.domain.video import Video, key_object
from academy_video.domain.video_storage import own_prefixes

from .ports import ObjectStorage
from .videos import Videos

log = logging.getLogger(__name__)


class VideoCatalog:
    def __init__(self, *, videos: Videos, storage: ObjectStorage) -> None:
        self.videos = videos
        self.storage = storage

    def change(
        self,
        *,
        tenant: str,
        video_id: int,
        title: str | None = None,
        order: int | None = None,
        allow_skip: bool | None = None,
        max_speed: float | None = None,
        show_watermark: bool | None = None,
    ) -> Video:
        """Only a real change of a policy field bumps ``policy_version`` (staling tokens)."""
        self.videos.get(video_id, tenant=tenant)
        return self.videos.change(
            video_id,
            title=title,
            order=order,
            allow_skip=allow_skip,
            max_speed=max_speed,
            show_watermark=show_watermark,
        )

    def delete(self, *, tenant: str, video_id: int) -> None:
        """Record the deletion, then remove the source and every output.

        The event comes first: a storage failure leaves orphaned objects (logged, and removable
        again by key), never a video that looks alive with its media gone.
        """
        self.videos.get(video_id, tenant=tenant)
        video = self.videos.delete(video_id)
        # Each step on its own, so one refused (say, listing multipart uploads is not allowed)
        # does not keep the others from running. Outputs go by where outputs go (a worker may
        # have published without reporting): the ladder and thumbnail under each of the video's own
        # prefixes (the old workers' too), the AES key and every caption file.
        steps: list[tuple[Callable[[str], object], str]] = [
            (self.storage.seal, video.file_key),  # upload URLs still valid write nothing more
            (self.storage.abort_multipart, video.file_key),  # its unfinished uploads
            *((self.storage.delete, key) for key in media_keys(video)),
            *(
                (self.storage.delete_prefix, prefix)
                for prefix in own_prefixes(video.tenant, video_id)
            ),
            (self.storage.delete, key_object(video.tenant, video.video_id)),
            (self.storage.delete_prefix, captions_prefix(video.tenant, video.video_id)),
        ]
        for remove, key in steps:
            try:
                remove(key)
            except Exception:
                log.exception("video %s deleted, but removing %s failed", video_id, key)


def media_keys(video: Video) -> list[str]:
    return [key for key in (video.file_key, video.thumbnail_key) if key]
