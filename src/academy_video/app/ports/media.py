"""Media work: probing a stored source, transcoding it to HLS, waking the workers that do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ProbeResult:
    """What a media probe found; ``reason`` is set when the file is not a usable video."""

    ok: bool
    reason: str = ""
    duration: float | None = None
    codec: str = ""
    width: int = 0
    height: int = 0

    def facts(self) -> dict[str, Any]:
        return {
            "duration": self.duration,
            "has_video": self.ok,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
        }


class MediaProbe(Protocol):
    def probe(self, url: str) -> ProbeResult:
        """Inspect the media at ``url`` without reading it whole."""
        ...


@dataclass(frozen=True)
class TranscodeOutput:
    hls_path: str
    duration: float
    thumbnail_key: str
    renditions: list[dict[str, Any]]


class TranscodeFailed(Exception):
    """The source cannot be transcoded; the message says why, for the instructor."""


class Transcoder(Protocol):
    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        """Produce the HLS ladder and thumbnail of a stored source and store them.

        ``progress(percent)`` is called as it goes; when ``cancelled()`` turns true it stops by
        raising. Raises ``TranscodeFailed`` with a readable reason for a bad source, and
        ``TranscodeFailed("source_changed")`` when ``source_etag`` (recorded when the upload was
        confirmed) no longer names the stored source: nothing is published then.
        """
        ...

    def discard(self, *, video_id: int, tenant: str) -> None:
        """Remove what ``transcode`` stored for the video (it was deleted meanwhile)."""
        ...


class WorkerWaker(Protocol):
    def wake(self) -> None:
        """Nudge the transcoding workers (e.g. start their machine). Must not block."""
        ...
