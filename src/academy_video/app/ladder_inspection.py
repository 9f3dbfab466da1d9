"""A published video's ladder as an operator inspects it: per rung, what it costs to deliver.

The figures are the ones the completion stored (``domain/ladder_figures.py``); a video published
before they were stored has them measured from storage instead: its playlists' ``#EXTINF`` and
its segments' sizes (``measured=True``). Only READY videos have a ladder (``NotReady``).
"""

from __future__ import annotations

from dataclasses import dataclass

from academy_video.domain.ladder_figures import (
    MAX_PLAYLIST_CHARS,
    LadderRefused,
    MasterRung,
    RungFigures,
    ladder_bytes_per_hour,
    master_rungs,
    measured_rung,
    media_segments,
    rung_name,
    stored_ladder,
)
from academy_video.domain.video import Video
from academy_video.domain.video_status import VideoStatus
from academy_video.domain.video_storage import published_prefix

from .errors import Conflict
from .ports import ObjectStorage
from .videos import Videos


class NotReady(Conflict):
    """The video has no published ladder (yet): its status says why."""

    code = "not_ready"


@dataclass(frozen=True)
class LadderReport:
    video_id: int
    tenant: str
    status: str
    duration: float | None
    hls_path: str
    rungs: list[RungFigures]
    measured: bool  # True: computed from storage, the completion stored no figures

    @property
    def bytes_per_hour(self) -> float:
        return ladder_bytes_per_hour(self.rungs)


class LadderInspection:
    def __init__(self, videos: Videos, storage: ObjectStorage) -> None:
        self.videos = videos
        self.storage = storage

    def video(self, video_id: int, tenant: str | None) -> Video:
        """The READY video (``tenant``: one tenant's only; ``None``: the operator's any)."""
        video = self.videos.get(video_id, tenant=tenant)
        if video.status != VideoStatus.READY or not video.hls_path:
            raise NotReady(None, f"video {video_id} is {video.status}, not READY")
        return video

    def stored(self, video_id: int, tenant: str | None) -> list[RungFigures] | None:
        """The figures its completion stored; ``None`` if it stored none (published before)."""
        return stored_ladder(self.video(video_id, tenant).renditions)

    def delivery(self, video_id: int, tenant: str) -> tuple[str, list[RungFigures]]:
        """The video's status and its stored figures (none unless READY and stored: the
        console's card reads nothing from storage)."""
        video = self.videos.get(video_id, tenant=tenant)
        if video.status != VideoStatus.READY or not video.hls_path:
            return str(video.status), []
        return str(video.status), stored_ladder(video.renditions) or []

    def inspect(self, video_id: int, tenant: str | None) -> LadderReport:
        video = self.video(video_id, tenant)
        rungs = stored_ladder(video.renditions)
        measured = rungs is None
        if rungs is None:
            rungs = self.measure(video)
        return LadderReport(
            video_id=video.video_id,
            tenant=video.tenant,
            status=str(video.status),
            duration=video.duration,
            hls_path=video.hls_path,
            rungs=rungs,
            measured=measured,
        )

    def measure(self, video: Video) -> list[RungFigures]:
        """Each rung's figures from the playlists and segment sizes in storage."""
        prefix = self.prefix(video)
        rungs = []
        for name, rung in self.playlists(video):
            segments = media_segments(self.read_text(rung.playlist_key), rung.playlist_key, prefix)
            sizes = [(seconds, self.size(key)) for key, seconds in segments]
            rungs.append(measured_rung(name, rung.width, rung.height, sizes))
        return rungs

    def playlists(self, video: Video) -> list[tuple[str, MasterRung]]:
        """The rungs its master playlist names, each with its name (its directory's)."""
        prefix = self.prefix(video)
        rungs = master_rungs(self.read_text(video.hls_path), video.hls_path, prefix)
        return [(rung_name(rung, prefix), rung) for rung in rungs]

    @staticmethod
    def prefix(video: Video) -> str:
        """The own prefix its outputs were published under (every key read must be below)."""
        prefix = published_prefix(video.tenant, video.video_id, video.hls_path)
        if not video.hls_path.startswith(prefix):
            raise LadderRefused("the video's playlist is outside its outputs")
        return prefix

    def read_text(self, key: str) -> str:
        try:
            with self.storage.open(key) as stream:
                raw = stream.read(MAX_PLAYLIST_CHARS + 1)
        except KeyError:
            raise LadderRefused(f"{key} is missing from storage") from None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise LadderRefused(f"{key} is not text") from None

    def size(self, key: str) -> int:
        found = self.storage.head(key)
        if found is None:
            raise LadderRefused(f"segment {key} is missing from storage")
        return found.size
