"""The transcoding workers' API: claims, heartbeats, completion and failure."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType


class JobOut(Struct):
    video_id: int
    file_key: str
    tenant_code: str
    attempt: int
    # The source's ETag when its upload was confirmed (null: not recorded, nothing to check):
    # a worker refuses a source that no longer has it (``source_changed``). Older workers
    # ignore the field.
    source_etag: str | None = None


class ClaimOut(Struct):
    job: JobOut


class HeartbeatIn(Struct):  # workers may send more than we read
    progress: Annotated[int, Meta(ge=0, le=100)] | None = None


Count = Annotated[int, Meta(ge=0, le=2**53)]


class Rendition(Struct):
    name: str
    width: int
    height: int
    bandwidth: int
    playlist: str
    # A rung's delivery figures (``domain/ladder_figures.py``); older workers send none.
    average_bandwidth: Count | None = None
    bytes: Count | None = None
    seconds: Annotated[float, Meta(ge=0, le=10**7)] | None = None
    segments: Count | None = None

    def stored(self) -> dict[str, object]:
        """As the completion stores it: the figures only when the worker sent them all."""
        rendition: dict[str, object] = {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "bandwidth": self.bandwidth,
            "playlist": self.playlist,
        }
        figures = {
            "average_bandwidth": self.average_bandwidth,
            "bytes": self.bytes,
            "seconds": self.seconds,
            "segments": self.segments,
        }
        if all(value is not None for value in figures.values()):
            rendition.update(figures)
        return rendition


class CompleteIn(Struct):
    hls_path: Annotated[str, Meta(max_length=1024)] | None = None
    # Unbounded as the old app took it: one it cannot use (negative, absurd) is dropped by the
    # domain (``domain/video_duration.py: usable_duration``), the completion still stands.
    duration: float | None = None
    thumbnail_key: Annotated[str, Meta(max_length=1024)] = ""
    renditions: Annotated[list[Rendition], Meta(max_length=20)] = []


class FailIn(Struct):
    reason: Annotated[str, Meta(max_length=2000)] = ""


class WorkerAck(Struct):
    ok: bool
    reason: str


class LegacyAck(Struct, omit_defaults=True):
    """The old app's answer to ``processing-complete``: ``{"ok": true}``, and
    ``"idempotent": true`` when the video was already READY."""

    ok: bool
    idempotent: bool | UnsetType = UNSET
