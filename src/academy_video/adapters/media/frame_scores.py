"""Frame by frame: SSIM and PSNR of a rung's pictures against its source's, each source frame
beside the rung's picture on screen at its time (``quality.py`` is the harness around it).

The comparison runs in one FFmpeg filter graph through PyAV: FFmpeg's own ``ssim`` and ``psnr``
filters, which write ``lavfi.ssim.*`` and ``lavfi.psnr.*`` into each frame's metadata. SSIM is
FFmpeg's ``All`` (Y, U and V weighted by their areas); PSNR is ``psnr_avg``, capped at
``PSNR_CAP`` dB for frames that are identical (FFmpeg says ``inf``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import av.filter

PSNR_CAP = 100.0


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


def percentile(values: list[float], percent: float) -> float:
    """The ``percent``-th percentile, linearly interpolated (numpy's default)."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * percent / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def compare(
    reference: Iterable[Any],
    distorted: Iterable[Any],
    width: int,
    height: int,
    rung_seconds: float | None = None,
) -> tuple[FrameScores, int]:
    """SSIM and PSNR of each ``reference`` frame scaled to ``width``×``height`` against the
    ``distorted`` picture shown at its time (``_pairs``; the last one lasts until
    ``rung_seconds``, or one frame); and how many reference frames there were (a rung that
    ends early compares fewer than that; each side's clock starts at its first frame)."""
    scores = FrameScores()
    graph: Any = None
    references = 0
    inputs: tuple[Any, Any] | None = None
    sink: Any = None
    for index, (original, encoded) in enumerate(_pairs(reference, distorted, rung_seconds)):
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


def _pairs(
    reference: Iterable[Any], distorted: Iterable[Any], rung_seconds: float | None
) -> Iterator[tuple[Any, Any]]:
    """Each reference frame beside the distorted picture on screen at its time, ``None`` where
    none is (before the first, after the last has ended). Times count from each side's first
    frame."""
    rung = _timed(distorted)
    shown, upcoming = next(rung, None), next(rung, None)
    last_step = _FRAME
    for at, original in _timed(reference):
        while upcoming is not None and upcoming[0] <= at + _EPSILON:
            last_step = upcoming[0] - shown[0] if shown is not None else last_step
            shown, upcoming = upcoming, next(rung, None)
        if shown is None or shown[0] > at + _EPSILON:
            yield original, None
            continue
        ends = shown[0] + last_step if rung_seconds is None else Fraction(rung_seconds)
        yield original, (shown[1] if upcoming is not None or at < ends - _EPSILON else None)


_FRAME = Fraction(1, 30)  # a last picture's length when neither its rung nor a step says
_EPSILON = Fraction(1, 1000)


def _timed(frames: Iterable[Any]) -> Iterator[tuple[Fraction, Any]]:
    """Each frame with its time in seconds from the first frame's (a frame without a time comes
    one step after the one before; the first timed frame anchors the clock where it falls)."""
    offset: Fraction | None = None  # a frame's time = its pts in seconds - offset
    at, step = Fraction(0), _FRAME
    for index, frame in enumerate(frames):
        guess = at + step if index else at
        if frame.pts is None or frame.time_base is None:
            at = guess
        else:
            exact = Fraction(frame.pts) * frame.time_base
            offset = exact - guess if offset is None else offset
            step = exact - offset - at if index and exact - offset > at else step
            at = exact - offset
        yield at, frame
