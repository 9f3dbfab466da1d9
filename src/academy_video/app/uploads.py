"""Upload use cases: reserve a video and an upload URL, then confirm the stored file by a probe."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video import Video, VideoStatus

from .errors import Conflict, Invalid
from .ports import Directory, IdAllocator, MediaProbe, ObjectStorage, SessionOrders, WorkerWaker
from .videos import Videos

UPLOAD_URL_SECONDS = 3600
SOURCE_URL_SECONDS = 600
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class UploadTicket:
    video: Video
    upload_url: str
    file_key: str
    content_type: str


def source_key(tenant: str, session_id: int, filename: str) -> str:
    """``videos/{tenant}/{session}/{uuid}.{ext}``; the filename lends only its extension."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "mp4"
    if not _EXTENSION.match(ext):
        ext = "mp4"
    return f"videos/{tenant}/{session_id}/{uuid.uuid4()}.{ext}"


class UploadService:
    def __init__(
        self,
        *,
        videos: Videos,
        directory: Directory,
        storage: ObjectStorage,
        probe: MediaProbe,
        ids: IdAllocator,
        orders: SessionOrders,
        waker: WorkerWaker,
    ) -> None:
        self.videos = videos
        self.directory = directory
        self.storage = storage
        self.probe = probe
        self.ids = ids
        self.orders = orders
        self.waker = waker

    def init(
        self,
        *,
        tenant: str,
        session_id: int,
        title: str,
        filename: str,
        content_type: str = "video/mp4",
        defaults: VideoDefaults | None = None,
    ) -> UploadTicket:
        session = self.directory.session(session_id)
        if session is None or session.tenant != tenant:
            raise Invalid("unknown_session")
        key = source_key(tenant, session_id, filename)
        content_type = (content_type or "video/mp4").split(";")[0].strip() or "video/mp4"
        video = self.videos.register(
            video_id=self.ids.next_id("videos"),
            tenant=tenant,
            session_id=session_id,
            title=title,
            file_key=key,
            order=self.orders.max_order(session_id) + 1,
            defaults=defaults or VideoDefaults(),
        )
        url = self.storage.upload_url(key, content_type, UPLOAD_URL_SECONDS)
        return UploadTicket(video=video, upload_url=url, file_key=key, content_type=content_type)

    def complete(self, *, tenant: str, video_id: int) -> Video:
        """Probe the stored source; on success the video is UPLOADED and queued for workers."""
        video = self.videos.get(video_id, tenant=tenant)
        if video.status != VideoStatus.PENDING:
            raise Conflict("invalid_status", f"Invalid status: {video.status}")
        stored = self.storage.head(video.file_key)
        if stored is None or stored.size == 0:
            self.videos.reject_upload(video_id, reason="source_not_found_or_empty")
            raise Conflict("source_not_found", "S3 object not found")
        result = self.probe.probe(self.storage.source_url(video.file_key, SOURCE_URL_SECONDS))
        if not result.ok:
            self.videos.reject_upload(video_id, reason=f"invalid_media:{result.reason}")
            raise Conflict("invalid_media", f"invalid_media:{result.reason}")
        video = self.videos.confirm_upload(video_id, size=stored.size, probe=result.facts())
        self.waker.wake()
        return video
