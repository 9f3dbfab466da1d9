"""Probe a stored source with PyAV, in a sandboxed child, reading only what the header needs.

The child opens the source as ``opening.py`` allows (plain containers, the source alone, within
limits) and answers what it found; the parent (the API's request thread at ``upload/complete``)
only waits. Reasons a source is refused: ``unreadable`` (not a media file, empty, truncated
before its index), ``unsupported_format`` (a playlist, a concat script, anything but a plain
container), ``no_video_stream`` (audio only), ``duration_missing``, ``too_long``,
``too_many_streams``, ``frame_too_large``, and the sandbox's ``timeout``, ``memory_limit``,
``cpu_limit``, ``crashed``. At most ``PROBES_AT_ONCE`` run at once in a process; one more is
``Unavailable("media_probe_busy")`` (503), at once.

A file cut short after a complete header (a "faststart" MP4 whose upload stopped halfway) opens
with its full duration. To catch it without reading the whole file, the probe seeks to the last
second and reads the final group of pictures (bounded by ``TAIL_BYTES``): if the packets stop
well before the stated end, the source is ``unreadable``.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

import av
import msgspec

from academy_video.app.errors import Unavailable
from academy_video.app.ports import ProbeResult

from . import sandbox
from .opening import MAX_SIDE, check_container, open_source
from .sandbox import Limits, Refusal, Report

log = logging.getLogger(__name__)

TAIL_BYTES = 64 * 1024 * 1024  # at most this much of the end is read (one GOP, normally)
TAIL_PACKETS = 20_000  # and at most this many packets of it
TRUNCATION_TOLERANCE = 0.5  # seconds the last video packet may end before the stated duration
MiB = 1024 * 1024
PROBE_LIMITS = Limits(wall_seconds=60, cpu_seconds=30, memory_bytes=1536 * MiB, file_bytes=MiB)
PROBES_AT_ONCE = 4  # per process: a burst of uploads queues here, not in memory


class Probed(msgspec.Struct, forbid_unknown_fields=True):
    """What a probe's child answers, checked: the child read an uploader's file."""

    duration: Annotated[float, msgspec.Meta(gt=0)]
    codec: Annotated[str, msgspec.Meta(max_length=32)]
    width: Annotated[int, msgspec.Meta(ge=0, le=MAX_SIDE)]
    height: Annotated[int, msgspec.Meta(ge=0, le=MAX_SIDE)]


class PyAvProbe:
    def __init__(self, *, max_seconds: float = 8 * 3600, limits: Limits = PROBE_LIMITS) -> None:
        self.max_seconds = max_seconds
        self.limits = limits
        self._slots = threading.BoundedSemaphore(PROBES_AT_ONCE)

    def probe(self, url: str) -> ProbeResult:
        # A request thread never queues for a slot: a burst of completions would hold the
        # server's thread pool (and every other sync route) while it waited.
        if not self._slots.acquire(blocking=False):
            raise Unavailable("media_probe_busy")
        try:
            answer = sandbox.run(probe_in_child, (url, self.max_seconds), self.limits)
            found = msgspec.convert(answer, Probed)
        except (sandbox.SandboxFailed, sandbox.SandboxRefused) as refused:
            # The reason only: FFmpeg's own text names the source (a presigned URL).
            log.info("probe: source refused (%s)", refused.reason)
            return ProbeResult(ok=False, reason=refused.reason)
        except msgspec.ValidationError:
            log.warning("probe: the child answered in the wrong shape")
            return ProbeResult(ok=False, reason="crashed")
        finally:
            self._slots.release()
        return ProbeResult(
            ok=True,
            duration=found.duration,
            codec=found.codec,
            width=found.width,
            height=found.height,
        )


# In the child -----------------------------------------------------------------------------


def probe_in_child(url: str, max_seconds: float, report: Report) -> dict[str, Any]:
    with open_source(url, timeout=15.0) as container:
        return inspect(container, max_seconds)


def inspect(container: Any, max_seconds: float) -> dict[str, Any]:
    """What a usable source is (its duration, codec and size), or ``Refusal``."""
    check_container(container)
    video = next(iter(container.streams.video), None)
    if video is None:
        raise Refusal("no_video_stream")
    duration = _seconds(container.duration, 1 / av.time_base)
    if duration is None and video.duration is not None and video.time_base is not None:
        duration = _seconds(video.duration, float(video.time_base))
    if duration is None or duration <= 0:
        raise Refusal("duration_missing")
    if duration > max_seconds:
        raise Refusal("too_long")
    try:
        if _ends_early(container, video, duration):
            raise Refusal("unreadable")
    except av.error.FFmpegError:
        raise Refusal("unreadable") from None
    context = video.codec_context
    return {
        "duration": round(duration, 3),
        "codec": context.name or "",
        "width": int(context.width or 0),
        "height": int(context.height or 0),
    }


def _ends_early(container: Any, video: Any, duration: float) -> bool:
    """Whether the video's packets stop well before ``duration`` (the file was cut short)."""
    if video.time_base is None:
        return False
    stated = _seconds(video.duration, float(video.time_base)) or duration
    container.seek(int(max(0.0, stated - 1.0) / video.time_base), stream=video, backward=True)
    last_end, read, packets = None, 0, 0
    for packet in container.demux(video):
        # Every packet counts toward the bound, empty and untimed ones too: a tail of those
        # would otherwise keep the probe reading until its time ran out.
        read, packets = read + packet.size, packets + 1
        if read > TAIL_BYTES or packets > TAIL_PACKETS:
            return False  # no keyframe near the end: inconclusive, let the transcoder judge
        if packet.pts is None or packet.size == 0:
            continue
        last_end = float((packet.pts + (packet.duration or 0)) * video.time_base)
    return last_end is None or last_end < stated - TRUNCATION_TOLERANCE


def _seconds(value: int | None, unit: float) -> float | None:
    return None if value is None else value * unit
