"""Videos: the Video aggregates' application (upload, processing lease, policy, metadata)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from eventsourcing.persistence import IntegrityError

from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video import Video

from .applications import EventSourcedApp
from .errors import AlreadyExists, NotFound

T = TypeVar("T")


class Completion(NamedTuple):
    outcome: str  # "ok", or "idempotent" when it was done already
    replaced_prefix: str = ""  # a re-encode's old output, to remove now it is saved


class Videos(EventSourcedApp):
    def register(
        self,
        *,
        video_id: int,
        tenant: str,
        session_id: int,
        title: str,
        file_key: str,
        order: int,
        defaults: VideoDefaults,
    ) -> Video:
        video = Video.register(
            video_id=video_id,
            tenant=tenant,
            session_id=session_id,
            title=title,
            file_key=file_key,
            order=order,
            defaults=defaults,
        )
        try:
            self.save(video)
        except IntegrityError:
            raise AlreadyExists() from None
        return video

    def get(self, video_id: int, *, tenant: str | None = None) -> Video:
        """The video, or NotFound if it never existed, was deleted, or is another tenant's."""
        video = self.load(Video.create_id(video_id), Video)
        if video.deleted or (tenant is not None and video.tenant != tenant):
            raise NotFound()
        return video

    def confirm_upload(
        self, video_id: int, *, size: int, probe: dict[str, Any], source_etag: str = ""
    ) -> Video:
        return self._do(
            video_id,
            _then_video(
                lambda v: v.confirm_upload(size=size, probe=probe, source_etag=source_etag)
            ),
        )

    def reject_upload(self, video_id: int, *, reason: str) -> None:
        self._do(video_id, lambda v: v.reject_upload(reason=reason))

    def claim(
        self, video_id: int, *, worker_id: str, now: datetime, lease_seconds: int, max_attempts: int
    ) -> Video | None:
        """Lease the video to the worker; None if someone else got it first or it just failed."""
        video = self.find(Video.create_id(video_id), Video)
        if video is None or not video.is_claimable(now):
            return None
        started = video.start_processing(
            worker_id=worker_id, now=now, lease_seconds=lease_seconds, max_attempts=max_attempts
        )
        try:
            self.save(video)
        except IntegrityError:
            return None  # Another worker's claim was saved first: the store decided.
        return video if started else None

    def extend_lease(
        self,
        video_id: int,
        *,
        worker_id: str,
        now: datetime,
        lease_seconds: int,
        progress: int | None,
    ) -> None:
        self._do(
            video_id,
            lambda v: v.extend_lease(
                worker_id=worker_id, now=now, lease_seconds=lease_seconds, progress=progress
            ),
        )

    def complete(
        self,
        video_id: int,
        *,
        worker_id: str,
        now: datetime,
        hls_path: str,
        duration: float | None,
        thumbnail_key: str,
        renditions: list[dict[str, Any]],
    ) -> Completion:
        def command(video: Video) -> Completion:
            reencoding = video.reencoding
            outcome = video.complete_processing(
                worker_id=worker_id,
                now=now,
                hls_path=hls_path,
                duration=duration,
                thumbnail_key=thumbnail_key,
                renditions=renditions,
            )
            return Completion(outcome, video.replaced_prefix if reencoding else "")

        return self._do(video_id, command)

    def acknowledge_completion(
        self, video_id: int, *, hls_path: str, duration: float | None
    ) -> str:
        return self._do(
            video_id, lambda v: v.acknowledge_completion(hls_path=hls_path, duration=duration)
        )

    def fail(self, video_id: int, *, worker_id: str, now: datetime, reason: str) -> str:
        return self._do(
            video_id, lambda v: v.fail_processing(worker_id=worker_id, now=now, reason=reason)
        )

    def retry(self, video_id: int) -> None:
        self._do(video_id, lambda v: v.request_retry())

    def reencode(self, video_id: int, reason: str) -> bool:
        """Queue a READY video for a new ladder; it stays READY (False: already queued)."""
        return self._do(video_id, lambda v: v.request_reencode(reason))

    def change(
        self,
        video_id: int,
        *,
        title: str | None = None,
        order: int | None = None,
        allow_skip: bool | None = None,
        max_speed: float | None = None,
        show_watermark: bool | None = None,
    ) -> Video:
        """Edit metadata and policy in one save; only a real policy change bumps its version."""

        def command(video: Video) -> Video:
            video.edit(title=title, order=order)
            video.change_policy(
                allow_skip=allow_skip, max_speed=max_speed, show_watermark=show_watermark
            )
            return video

        return self._do(video_id, command)

    def delete(self, video_id: int) -> Video:
        return self._do(video_id, _then_video(Video.delete))

    def _do(self, video_id: int, command: Callable[[Video], T]) -> T:
        return self.apply(Video.create_id(video_id), Video, command)


def _then_video(command: Callable[[Video], object]) -> Callable[[Video], Video]:
    def run(video: Video) -> Video:
        command(video)
        return video

    return run
