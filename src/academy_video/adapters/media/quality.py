"""The quality harness: how close each rung of an HLS ladder is to its source, and what it costs.

Used by the encoding benches and tests (``tests/encoding/quality.py`` re-exports it) and by
``academy-video media inspect --quality``, which runs it in the sandbox's child
(``ladder_quality.py``): the source is an uploader's file.

For every rung in a master playlist the transcoder wrote (clear segments: no AES-128), the
rung's segments are decoded in order and each frame of the source, decoded and scaled to the
rung's size by the very filter the transcoder scales with (``scale=W:H``, then ``yuv420p``), is
compared with the rung's picture on screen at its time (the last one that started at or before
it: a rung that leaves out repeated pictures shows the one before until the next). So the figure
measures what encoding lost, not what scaling lost: a rung that kept every scaled picture scores
SSIM 1.

The comparison is FFmpeg's own ``ssim`` and ``psnr`` filters (``frame_scores.py``); VMAF is not
in the FFmpeg that PyAV bundles (``libvmaf`` is absent from ``av.filter.filters_available``).
Bytes come from the segment files and the durations from the media playlists, as ``publish.py``
computes the master's ``BANDWIDTH`` (peak segment) and ``AVERAGE-BANDWIDTH`` (mean).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.filter

from .chained_files import ChainedFiles
from .frame_scores import FrameScores, compare

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Segment:
    name: str
    seconds: float
    bytes: int

    @property
    def bitrate(self) -> float:
        """Bits per second, as the master playlist's ``BANDWIDTH`` counts them."""
        return 8 * self.bytes / max(self.seconds, 0.001)


@dataclass
class RungQuality:
    name: str
    width: int
    height: int
    segments: list[Segment]
    scores: FrameScores
    source_frames: int  # frames the source had; ``len(scores.ssim)`` were compared
    video_bytes: int  # the video stream's packets alone (segments also hold audio and TS)
    keyframe_bytes: int  # of which keyframes (a fixed GOP's keyframes dominate still content)
    pictures: int = 0  # pictures the rung encoded (fewer than the source's: repeats left out)

    @property
    def bytes(self) -> int:
        return sum(segment.bytes for segment in self.segments)

    @property
    def seconds(self) -> float:
        return sum(segment.seconds for segment in self.segments)

    @property
    def bytes_per_hour(self) -> float:
        return self.bytes * SECONDS_PER_HOUR / max(self.seconds, 0.001)

    @property
    def average_bitrate(self) -> float:
        return 8 * self.bytes / max(self.seconds, 0.001)

    @property
    def peak_bitrate(self) -> float:
        return max(segment.bitrate for segment in self.segments)

    @property
    def video_bitrate(self) -> float:
        return 8 * self.video_bytes / max(self.seconds, 0.001)

    @property
    def keyframe_share(self) -> float:
        """The share of the video bytes spent on keyframes."""
        return self.keyframe_bytes / max(self.video_bytes, 1)


def measure_ladder(master: Path, source: Path) -> list[RungQuality]:
    """Every rung named in ``master`` (a master playlist on disk, its rungs' playlists and
    segments beside it as the transcoder publishes them), against ``source``."""
    rungs = []
    lines = master.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            resolution = re.search(r"RESOLUTION=(\d+)x(\d+)", line)
            if resolution is None:
                raise ValueError(f"no RESOLUTION in {line!r}")
            playlist = master.parent / lines[i + 1]
            width, height = int(resolution[1]), int(resolution[2])
            rungs.append(measure_rung(playlist, source, width, height))
    return rungs


def measure_rung(playlist: Path, source: Path, width: int, height: int) -> RungQuality:
    with av.open(str(source)) as original:
        return measure_rung_against(playlist, original, width, height)


def measure_rung_against(playlist: Path, original: Any, width: int, height: int) -> RungQuality:
    """``measure_rung`` with the source already open (the sandbox opens it as ``opening.py``
    allows)."""
    segments = read_segments(playlist)
    stream = ChainedFiles([playlist.parent / s.name for s in segments])
    with av.open(stream, format="mpegts") as rung:
        counted = _CountingDecoder(rung)
        seconds = sum(s.seconds for s in segments)
        scores, source_frames = compare(
            _decoded(original), counted.frames(), width, height, rung_seconds=seconds
        )
    return RungQuality(
        name=playlist.parent.name,
        width=width,
        height=height,
        segments=segments,
        scores=scores,
        source_frames=source_frames,
        video_bytes=counted.bytes,
        keyframe_bytes=counted.keyframe_bytes,
        pictures=counted.pictures,
    )


def read_segments(playlist: Path) -> list[Segment]:
    """Each segment of a media playlist: its file, its ``EXTINF`` duration and its size."""
    segments, seconds = [], None
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            seconds = float(line.removeprefix("#EXTINF:").split(",")[0])
        elif line and not line.startswith("#"):
            if seconds is None:
                raise ValueError(f"{playlist}: segment {line} without EXTINF")
            name = line.rsplit("/", 1)[-1].split("?")[0]
            segments.append(Segment(name, seconds, (playlist.parent / name).stat().st_size))
            seconds = None
    return segments


def _decoded(container: Any) -> Iterator[Any]:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    yield from container.decode(stream)


class _CountingDecoder:
    """A rung's video frames in order, counting its video packets' bytes on the way."""

    def __init__(self, container: Any) -> None:
        self.container = container
        self.bytes = 0
        self.keyframe_bytes = 0
        self.pictures = 0

    def frames(self) -> Iterator[Any]:
        stream = self.container.streams.video[0]
        stream.thread_type = "AUTO"
        for packet in self.container.demux(stream):
            self.bytes += packet.size
            self.pictures += packet.size > 0
            if packet.is_keyframe:
                self.keyframe_bytes += packet.size
            yield from packet.decode()
