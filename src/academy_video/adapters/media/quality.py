"""The quality harness: how close each rung of an HLS ladder is to its source, and what it costs.

Used by the encoding benches and tests (``tests/encoding/quality.py`` re-exports it) and by
``academy-video media inspect --quality``, which runs it in the sandbox's child
(``ladder_quality.py``): the source is an uploader's file.

For every rung in a master playlist the transcoder wrote (clear segments: no AES-128), the
rung's segments are decoded in order and compared frame by frame with the source decoded and
scaled to the rung's size by the very filter the transcoder scales with (``scale=W:H``, then
``yuv420p``). So the figure measures what encoding lost, not what scaling lost: a rung that
kept every scaled picture scores SSIM 1.

The comparison runs in one FFmpeg filter graph through PyAV: FFmpeg's own ``ssim`` and ``psnr``
filters, which write ``lavfi.ssim.*`` and ``lavfi.psnr.*`` into each frame's metadata (VMAF is
not in the FFmpeg that PyAV bundles: ``libvmaf`` is absent from ``av.filter.filters_available``).
SSIM is FFmpeg's ``All`` (Y, U and V weighted by their areas); PSNR is ``psnr_avg``, capped at
``PSNR_CAP`` dB for frames that are identical (FFmpeg says ``inf``). Bytes come from the
segment files and the durations from the media playlists, as ``publish.py`` computes the
master's ``BANDWIDTH`` (peak segment) and ``AVERAGE-BANDWIDTH`` (mean).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter

from .chained_files import ChainedFiles

PSNR_CAP = 100.0
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
class FrameScores:
    ssim: list[float] = field(default_factory=list)
    psnr: list[float] = field(default_factory=list)

    @property
    def ssim_mean(self) -> float:
        return sum(self.ssim) / len(self.ssim)

    @property
    def ssim_p5(self) -> float:
        return percentile(self.ssim, 5)

    @property
    def psnr_mean(self) -> float:
        return sum(self.psnr) / len(self.psnr)

    @property
    def psnr_p5(self) -> float:
        return percentile(self.psnr, 5)


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


def percentile(values: list[float], percent: float) -> float:
    """The ``percent``-th percentile, linearly interpolated (numpy's default)."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * percent / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


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
        scores, source_frames = compare(_decoded(original), counted.frames(), width, height)
    return RungQuality(
        name=playlist.parent.name,
        width=width,
        height=height,
        segments=segments,
        scores=scores,
        source_frames=source_frames,
        video_bytes=counted.bytes,
        keyframe_bytes=counted.keyframe_bytes,
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


def compare(
    reference: Iterable[Any], distorted: Iterable[Any], width: int, height: int
) -> tuple[FrameScores, int]:
    """SSIM and PSNR of each ``distorted`` frame (``width``×``height``) against the
    ``reference`` frame of the same index scaled to that size; and how many reference frames
    there were (a ladder that dropped or added frames compares fewer than that)."""
    scores = FrameScores()
    graph: Any = None
    references = 0
    inputs: tuple[Any, Any] | None = None
    sink: Any = None
    for index, (original, encoded) in enumerate(_pairs(reference, distorted)):
        if original is not None:
            references += 1
        if original is None or encoded is None:
            continue
        if (encoded.width, encoded.height) != (width, height):
            raise ValueError(
                f"frame {index} is {encoded.width}x{encoded.height}, the rung {width}x{height}"
            )
        if graph is None:
            graph, inputs, sink = _metric_graph(original, encoded, width, height)
        assert inputs is not None
        for frame, buffer in ((original, inputs[0]), (encoded, inputs[1])):
            frame.pts, frame.time_base = index, _TIME_BASE
            buffer.push(frame)
        _drain(sink, scores)
    if graph is not None and inputs is not None:
        inputs[0].push(None)
        inputs[1].push(None)
        _drain(sink, scores)
    return scores, references


_TIME_BASE = Fraction(1, 1000)


def _metric_graph(original: Any, encoded: Any, width: int, height: int) -> tuple[Any, Any, Any]:
    """reference → scale → yuv420p → split ─┬→ ssim (2nd) ┐        ┌→ psnr (2nd)
    rung → yuv420p ──────────────────────────┴→ ssim (1st) → psnr (1st) → sink"""
    graph = av.filter.Graph()
    ref = graph.add_buffer(
        width=original.width,
        height=original.height,
        format=original.format,
        time_base=_TIME_BASE,
        name="reference",
    )
    dist = graph.add_buffer(
        width=encoded.width,
        height=encoded.height,
        format=encoded.format,
        time_base=_TIME_BASE,
        name="rung",
    )
    scale = graph.add("scale", f"{width}:{height}")
    ref_format = graph.add("format", "yuv420p")
    split = graph.add("split", "2")
    dist_format = graph.add("format", "yuv420p")
    ssim = graph.add("ssim")
    psnr = graph.add("psnr")
    sink = graph.add("buffersink")
    ref.link_to(scale)
    scale.link_to(ref_format)
    ref_format.link_to(split)
    dist.link_to(dist_format)
    dist_format.link_to(ssim, 0, 0)
    split.link_to(ssim, 0, 1)
    ssim.link_to(psnr, 0, 0)
    split.link_to(psnr, 1, 1)
    psnr.link_to(sink)
    graph.configure()
    return graph, (ref, dist), sink


def _drain(sink: Any, scores: FrameScores) -> None:
    while True:
        try:
            frame = sink.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        metadata = frame.metadata
        scores.ssim.append(float(metadata["lavfi.ssim.All"]))
        psnr = float(metadata["lavfi.psnr.psnr_avg"])
        scores.psnr.append(min(psnr, PSNR_CAP))


def _pairs(reference: Iterable[Any], distorted: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Frames side by side by index, ``None`` where one side has run out."""
    left, right = iter(reference), iter(distorted)
    while True:
        a, b = next(left, None), next(right, None)
        if a is None and b is None:
            return
        yield a, b


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

    def frames(self) -> Iterator[Any]:
        stream = self.container.streams.video[0]
        stream.thread_type = "AUTO"
        for packet in self.container.demux(stream):
            self.bytes += packet.size
            if packet.is_keyframe:
                self.keyframe_bytes += packet.size
            yield from packet.decode()
