"""Probe a stored source with PyAV, reading only what the container's header needs.

Local paths are opened directly; http(s) URLs (presigned GETs) are read with range requests, with
timeouts so a hanging server cannot hang a probe, and the system CA bundle for HTTPS (the wheel's
gnutls looks for one where Debian has none). Reasons a source is refused: ``unreadable`` (not a
media file, empty, truncated before its index), ``no_video_stream`` (audio only), and
``duration_missing`` (no usable duration).

A file cut short after a complete header (a "faststart" MP4 whose upload stopped halfway) opens
with its full duration. To catch it without reading the whole file, the probe seeks to the last
second and reads the final group of pictures (bounded by ``TAIL_BYTES``): if the packets stop
well before the stated end, the source is ``unreadable``.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import av

from academy_video.app.ports import ProbeResult

log = logging.getLogger(__name__)

TIMEOUT_MICROSECONDS = str(15_000_000)
TAIL_BYTES = 64 * 1024 * 1024  # at most this much of the end is read (one GOP, normally)
TRUNCATION_TOLERANCE = 0.5  # seconds the last video packet may end before the stated duration


def _options(url: str) -> dict[str, str]:
    if not url.startswith(("http://", "https://")):
        return {}
    options = {"timeout": TIMEOUT_MICROSECONDS, "rw_timeout": TIMEOUT_MICROSECONDS}
    ca_file = ssl.get_default_verify_paths().cafile
    if url.startswith("https://") and ca_file:
        options["ca_file"] = ca_file
    return options


class PyAvProbe:
    def probe(self, url: str) -> ProbeResult:
        return self.probe_source(url, options=_options(url))

    def probe_source(self, source: Any, options: dict[str, str] | None = None) -> ProbeResult:
        """``source``: a path, a URL, or a readable, seekable binary file object."""
        try:
            container = av.open(source, options=options or {}, timeout=15.0)
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as error:
            log.info("probe: unreadable source (%s)", error)
            return ProbeResult(ok=False, reason="unreadable")
        with container:
            try:
                return self._inspect(container)
            except av.error.FFmpegError as error:
                log.info("probe: unreadable source (%s)", error)
                return ProbeResult(ok=False, reason="unreadable")

    def _inspect(self, container: Any) -> ProbeResult:
        video = next(iter(container.streams.video), None)
        if video is None:
            return ProbeResult(ok=False, reason="no_video_stream")
        duration = _seconds(container.duration, 1 / av.time_base)
        if duration is None and video.duration is not None and video.time_base is not None:
            duration = _seconds(video.duration, float(video.time_base))
        if duration is None or duration <= 0:
            return ProbeResult(ok=False, reason="duration_missing")
        if _ends_early(container, video, duration):
            return ProbeResult(ok=False, reason="unreadable")
        context = video.codec_context
        return ProbeResult(
            ok=True,
            duration=round(duration, 3),
            codec=context.name or "",
            width=int(context.width or 0),
            height=int(context.height or 0),
        )


def _ends_early(container: Any, video: Any, duration: float) -> bool:
    """Whether the video's packets stop well before ``duration`` (the file was cut short)."""
    if video.time_base is None:
        return False
    stated = _seconds(video.duration, float(video.time_base)) or duration
    container.seek(int(max(0.0, stated - 1.0) / video.time_base), stream=video, backward=True)
    last_end, read = None, 0
    for packet in container.demux(video):
        if packet.pts is None or packet.size == 0:
            continue
        last_end = float((packet.pts + (packet.duration or 0)) * video.time_base)
        read += packet.size
        if read > TAIL_BYTES:
            return False  # no keyframe near the end: inconclusive, let the transcoder judge
    return last_end is None or last_end < stated - TRUNCATION_TOLERANCE


def _seconds(value: int | None, unit: float) -> float | None:
    return None if value is None else value * unit
