"""Upload use cases: reserve a video and an upload URL, then confirm the stored file by a probe."""

from __future__ import annotations

import logging
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video import Video, VideoStatus

from .errors import Conflict, Invalid, TooLarge
from .ports import (
    MAX_PARTS,
    MIN_PART_BYTES,
    Clock,
    Directory,
    IdAllocator,
    MediaProbe,
    ObjectStorage,
    PendingUploads,
    SessionOrders,
    StoredObject,
    UploadedPart,
    WorkerWaker,
)
from .videos import Videos

log = logging.getLogger(__name__)

UPLOAD_URL_SECONDS = 3600
PART_URL_SECONDS = 24 * 3600  # a large upload may take a while; each part URL lives a day
MiB = 1024 * 1024
SOURCE_URL_SECONDS = 600
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class UploadTicket:
    video: Video
    upload_url: str
    file_key: str
    content_type: str


@dataclass(frozen=True)
class MultipartTicket:
    upload_id: str
    file_key: str
    part_size: int
    part_urls: list[str]  # part n (1-based) goes to part_urls[n - 1]


def part_size_for(size: int) -> int:
    """At least S3's 5 MiB, large enough for at most 10,000 parts, a whole number of MiB."""
    return max(MIN_PART_BYTES, math.ceil(size / MAX_PARTS / MiB) * MiB)


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
        pending: PendingUploads,
        clock: Clock,
        max_upload_bytes: int,
        upload_ttl_hours: int,
    ) -> None:
        self.videos = videos
        self.directory = directory
        self.storage = storage
        self.probe = probe
        self.ids = ids
        self.orders = orders
        self.waker = waker
        self.pending = pending
        self.clock = clock
        self.max_upload_bytes = max_upload_bytes
        self.upload_ttl = timedelta(hours=upload_ttl_hours)

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
        content_type = _source_type(content_type)
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
        video = self._pending(tenant, video_id)
        stored = self.storage.head(video.file_key)
        if stored is None or stored.size == 0:
            self.videos.reject_upload(video_id, reason="source_not_found_or_empty")
            raise Conflict("source_not_found", "S3 object not found")
        self._check_size(video, stored)
        result = self.probe.probe(self.storage.source_url(video.file_key, SOURCE_URL_SECONDS))
        if not result.ok:
            self.videos.reject_upload(video_id, reason=f"invalid_media:{result.reason}")
            raise Conflict("invalid_media", f"invalid_media:{result.reason}")
        video = self.videos.confirm_upload(
            video_id, size=stored.size, probe=result.facts(), source_etag=stored.etag
        )
        self._close_uploads(video.file_key)
        self.waker.wake()
        return video

    def _close_uploads(self, key: str) -> None:
        """The source is confirmed: the upload URLs handed out for it take nothing more where
        the store can refuse them, and its unfinished multipart uploads go.
        Where they cannot be refused (S3), the ETag recorded with the confirmation makes
        workers refuse a rewritten source. A failure here is logged: the confirmation stands,
        and the ETag check still holds."""
        for close in (self.storage.seal, self.storage.abort_multipart):
            try:
                close(key)
            except Exception:
                log.exception("closing the uploads of %s failed", key)

    # Resumable uploads ---------------------------------------------------------------------

    def start_multipart(
        self, *, tenant: str, video_id: int, size: int, content_type: str = "video/mp4"
    ) -> MultipartTicket:
        """Part URLs for a file of ``size`` bytes; the client PUTs each part and keeps its ETag."""
        video = self._pending(tenant, video_id)
        if size < 1:
            raise Invalid("size", "size must be at least 1 byte")
        if size > self.max_upload_bytes:
            raise TooLarge("upload_too_large")
        part_size = part_size_for(size)
        # One upload in flight per video: a new one drops those before it, so a PENDING video
        # never holds more than one upload's parts (each up to the upload limit).
        self.storage.abort_multipart(video.file_key)
        upload_id = self.storage.start_multipart(
            video.file_key, _source_type(content_type), part_size=part_size
        )
        urls = [
            self.storage.part_url(video.file_key, upload_id, number, PART_URL_SECONDS)
            for number in range(1, math.ceil(size / part_size) + 1)
        ]
        return MultipartTicket(upload_id, video.file_key, part_size, urls)

    def finish_multipart(
        self, *, tenant: str, video_id: int, upload_id: str, parts: list[UploadedPart]
    ) -> StoredObject:
        """Join the parts into the source; then ``complete`` probes and queues it as usual."""
        video = self._pending(tenant, video_id)
        if not parts:
            raise Invalid("parts", "parts required")
        try:
            self.storage.complete_multipart(video.file_key, upload_id, parts)
        except (ValueError, KeyError) as error:
            raise Invalid("invalid_parts", f"invalid_parts: {error}") from None
        except TooLarge:  # the store refused the parts' total before joining them
            self.videos.reject_upload(video.video_id, reason="upload_too_large")
            raise
        stored = self.storage.head(video.file_key)
        if stored is None:
            raise Conflict("source_not_found", "S3 object not found")
        self._check_size(video, stored)
        return stored

    def _check_size(self, video: Video, stored: StoredObject) -> None:
        """The limit, on what was stored: a signed PUT (or each part of a multipart upload)
        cannot be held to the size announced, so an upload over the limit is refused here and
        removed; the video stays PENDING for another upload."""
        if stored.size > self.max_upload_bytes:
            self.storage.delete(video.file_key)
            self.videos.reject_upload(video.video_id, reason="upload_too_large")
            raise TooLarge("upload_too_large")

    def abort_multipart(self, *, tenant: str, video_id: int, upload_id: str) -> None:
        video = self._pending(tenant, video_id)
        self.storage.abort_multipart(video.file_key, upload_id)

    def cleanup_abandoned(self, now: datetime | None = None) -> int:
        """Delete videos still PENDING ``upload_ttl_hours`` after they were reserved, with their
        unfinished uploads and any partial object. Returns how many were removed."""
        cutoff = (now or self.clock.now()) - self.upload_ttl
        removed = 0
        for tenant, video_id in self.pending.pending_before(cutoff):
            try:
                video = self._pending(tenant, video_id)
            except Conflict:
                continue  # completed meanwhile
            # The deletion first, then the seal (its upload URLs may still be valid), then
            # what was uploaded: whatever lands before the seal is removed after it.
            self.videos.delete(video_id)
            self.storage.seal(video.file_key)
            self.storage.abort_multipart(video.file_key)
            self.storage.delete(video.file_key)
            log.info("cleanup: removed abandoned upload of video %s (%s)", video_id, tenant)
            removed += 1
        return removed

    def _pending(self, tenant: str, video_id: int) -> Video:
        video = self.videos.get(video_id, tenant=tenant)
        if video.status != VideoStatus.PENDING:
            raise Conflict("invalid_status", f"Invalid status: {video.status}")
        return video


def _source_type(content_type: str | None) -> str:
    """The media type a source is stored with: a video type, or a generic binary one (what
    some clients send for any file); anything else (``text/html``) is refused, as the bucket
    would hand it back with that type."""
    kind = (content_type or "").split(";")[0].strip().lower() or "video/mp4"
    if not (kind.startswith("video/") or kind in GENERIC_TYPES):
        raise Invalid("content_type", "content_type: must be a video type")
    return kind


GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
