"""The remux fast path: the top rung is the source's own packets when it can be.

When the source is already H.264 (8-bit 4:2:0) with AAC (or no audio), its size is the top
rung's, and its keyframes come at most ``segment_seconds + 2`` apart, the top rung is the
source's own packets, copied. A copy-only pass is all I/O, and the allocator is tuned for it.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import av

from .confinement import Report
from .ladder import Rung
from .renditions import Output, PassState
from .thumbnail import THUMBNAIL_AT, thumbnail_of

# FFmpeg's HLS muxer builds each segment in one growing buffer, which glibc's defaults put on
# fresh pages every time (mmap, or a heap top handed back to the kernel at once): page faults for
# every byte of every segment. For a copy-only pass, buffers up to 32 MiB come from the heap,
# which keeps up to 64 MiB free at its top (figures in docs/benchmarks.md). Afterwards glibc's
# default values are put back (fixed, no longer adapting: encoding was measured flat in memory
# and as fast that way) and the freed memory is returned.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MALLOC_FOR_COPYING = (
    (M_MMAP_THRESHOLD, 32 * 1024 * 1024),  # glibc's largest
    (M_TRIM_THRESHOLD, 64 * 1024 * 1024),
    (M_TOP_PAD, 32 * 1024 * 1024),
)
MALLOC_DEFAULTS = tuple((parameter, 128 * 1024) for parameter, _ in MALLOC_FOR_COPYING)


# How far before the first picture a copied packet may be decoded: within the MPEG-TS muxer's
# 1.4 s start (timeline.py).
MAX_DECODE_LEAD_SECONDS = 1.0


class KeyframesTooFarApart(Exception):
    """A copied source's keyframes are too sparse for its segments to keep their length."""


def copyable(in_v: Any, in_a: Any | None, rungs: list[Rung]) -> bool:
    """Whether the top rung can be the source's own packets: H.264 8-bit 4:2:0, AAC or no
    audio, and the top rung's size."""
    ctx = in_v.codec_context
    if ctx.name != "h264" or ctx.pix_fmt not in ("yuv420p", "yuvj420p"):
        return False
    if in_a is not None and in_a.codec_context.name != "aac":
        return False
    return (rungs[-1].width, rungs[-1].height) == (ctx.width, ctx.height)


def keyframes_regular(
    reopen: Callable[[], Any], max_gap: float, scan_seconds: float = 15.0
) -> bool:
    """Whether the source's first 15 seconds have keyframes at most ``max_gap`` seconds apart
    (demuxing packets only: no decoding)."""
    with reopen() as container:
        stream = container.streams.video[0]
        if stream.time_base is None:
            return False
        last = None
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            at = float(packet.pts * stream.time_base)
            if packet.is_keyframe:
                if last is not None and at - last > max_gap:
                    return False
                last = at
            elif last is not None and at - last > max_gap:
                return False
            if at > scan_seconds:
                break
        return last is not None


def copyable_start(reopen: Callable[[], Any], scan_packets: int = 300) -> bool:
    """Whether the source's first video packets can start a copied rung: none marked to be
    discarded (an MP4 trimmed by its edit list keeps the pictures before the cut, for decoding,
    at times before its start) and none decoded over ``MAX_DECODE_LEAD_SECONDS`` before the
    first picture (B-frames at a picture or two a second). Copied, either would put the rung's
    times below the MPEG-TS muxer's start, where they wrap; encoded, neither does (demuxing
    packets only: no decoding)."""
    with reopen() as container:
        stream = container.streams.video[0]
        first, tick = stream.start_time, stream.time_base
        for index, packet in enumerate(container.demux(stream)):
            if packet.pts is not None and packet.is_discard:
                return False
            ahead = 0 if first is None or packet.dts is None else first - packet.dts
            if tick is not None and ahead * tick > MAX_DECODE_LEAD_SECONDS:
                return False
            if index >= scan_packets:
                break
        return True


def copy_packets(
    container: Any,
    in_v: Any,
    in_a: Any | None,
    state: PassState,
    expected: float,
    max_gap: float,
    report: Report,
) -> None:
    """The pass of a copy-only job (a single rung, the source's own packets): the tightest loop
    we can write, since per-packet Python is most of its cost. One keyframe is decoded, for the
    thumbnail (cheaper than seeking for it afterwards). Keyframes more than ``max_gap`` seconds
    apart stop the pass: segments cut only at keyframes would run long."""
    [output] = state.outputs
    targets = {in_v.index: output.video}
    if in_a is not None:
        targets[in_a.index] = output.audio
    mux = output.container.mux_one
    tick = float(in_v.time_base) if in_v.time_base is not None else 0.0
    start = float(in_v.start_time * in_v.time_base) if in_v.start_time is not None else 0.0
    thumbnail_at = start + min(THUMBNAIL_AT, expected / 2)
    # Progress is reported when the video passes the next whole percent.
    step = int(expected / 100 / tick) if tick and expected else 0
    max_ticks = max_gap / tick if tick else float("inf")
    checkpoint, last_pts, last_key, decoding = 0, None, None, False
    for packet in container.demux([in_v] if in_a is None else [in_v, in_a]):
        stream = packet.stream
        if stream is in_v:
            pts = packet.pts
            if pts is not None and packet.size and (last_pts is None or pts > last_pts):
                last_pts = pts
                if packet.is_keyframe:
                    last_key = pts
                if last_key is not None and pts - last_key > max_ticks:
                    raise KeyframesTooFarApart()
                if step and pts >= checkpoint:
                    checkpoint = pts + step
                    report("progress", min(99, int(100 * (pts * tick - start) / expected)))
            # The thumbnail: the first keyframe from ``thumbnail_at`` on, the only picture this
            # pass decodes (decoded before muxing, which rewrites the packet's times in place).
            if state.thumbnail is None and (
                decoding or (packet.is_keyframe and pts is not None and pts * tick >= thumbnail_at)
            ):
                decoding = True
                for frame in packet.decode():
                    state.thumbnail = thumbnail_of(frame)
        if packet.dts is not None:
            packet.stream = targets[stream.index]
            mux(packet)
    if last_pts is not None:
        state.end = last_pts * tick + 1 / float(in_v.average_rate or 30)


def mux_to(packet: Any, targets: list[tuple[Output, Any]]) -> None:
    """Mux ``packet`` into each (output, stream). Muxing rewrites a packet's times in place, so
    all but the last target get a copy; the last (often the only one) gets the packet itself."""
    for index, (output, stream) in enumerate(targets):
        if index == len(targets) - 1:
            packet.stream = stream
            output.container.mux(packet)
            return
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.duration = packet.pts, packet.dts, packet.duration
        copy.time_base = packet.time_base
        copy.is_keyframe = packet.is_keyframe
        copy.stream = stream
        output.container.mux(copy)


@functools.cache
def _libc() -> Any | None:
    """The process's C library, where it has glibc's ``mallopt`` and ``malloc_trim``."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _tuned_by_operator() -> bool:
    """glibc tunables or ``MALLOC_*_`` variables in the environment: the operator's, kept."""
    return any(name == "GLIBC_TUNABLES" or name.startswith("MALLOC_") for name in os.environ)


@contextmanager
def allocator_for_copying() -> Iterator[None]:
    libc = _libc()
    if libc is None or _tuned_by_operator():
        yield
        return
    for parameter, value in MALLOC_FOR_COPYING:
        libc.mallopt(parameter, value)
    try:
        yield
    finally:
        for parameter, value in MALLOC_DEFAULTS:
            libc.mallopt(parameter, value)
        libc.malloc_trim(0)
