"""What a published ladder costs to deliver: each rung's bytes, seconds, bitrates and bytes per
hour, from the figures its completion stored or, for a video published before they were stored,
from its playlists.

Completions stored before the figures existed (and the old workers' ones) hold a rendition's
``name``, ``width``, ``height``, ``bandwidth`` and ``playlist`` only: ``stored_rung`` answers
``None`` for those, never a guess. Reading the playlists is bounded (``MAX_PLAYLIST_CHARS``,
``MAX_SEGMENTS``) and every key a playlist names must be an object of the video's own outputs
(``video_storage.is_under``): a playlist naming anything else is refused (``LadderRefused``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import DomainError
from .video_storage import is_under

SECONDS_PER_HOUR = 3600.0
GIGABYTE = 10**9  # delivery is billed in decimal gigabytes
MAX_PLAYLIST_CHARS = 16 * 1024 * 1024
MAX_SEGMENTS = 100_000  # a 10-hour video in 0.4 s segments
MAX_RUNGS = 20
MAX_SEGMENT_SECONDS = 3600.0
_STREAM_INF = "#EXT-X-STREAM-INF:"
_RESOLUTION = re.compile(r"RESOLUTION=(\d{1,5})x(\d{1,5})")
_BANDWIDTH = re.compile(r"(?<![-A-Z])BANDWIDTH=(\d{1,12})")


class LadderRefused(DomainError):
    """A playlist of the ladder cannot be read as one of this video's (the message says why)."""

    code = "ladder_unreadable"

    def __init__(self, reason: str) -> None:
        super().__init__(None, reason)


@dataclass(frozen=True)
class RungFigures:
    name: str
    width: int
    height: int
    peak_bandwidth: int  # bits per second of the costliest segment (the master's BANDWIDTH)
    average_bandwidth: int  # bits per second over the whole rung (AVERAGE-BANDWIDTH)
    bytes: int
    seconds: float
    segments: int

    @property
    def bytes_per_hour(self) -> float:
        return self.bytes * SECONDS_PER_HOUR / max(self.seconds, 0.001)

    @property
    def gigabytes_per_hour(self) -> float:
        return self.bytes_per_hour / GIGABYTE


def ladder_bytes_per_hour(rungs: Sequence[RungFigures]) -> float:
    """What storing (or fetching once) every rung of an hour of this video costs."""
    return sum(rung.bytes_per_hour for rung in rungs)


def stored_rung(rendition: Mapping[str, Any]) -> RungFigures | None:
    """The figures a completion stored with ``rendition``; ``None`` when it stored none (before
    they existed) or a value of the wrong kind."""
    try:
        figures = RungFigures(
            name=_text(rendition["name"]),
            width=_count(rendition["width"]),
            height=_count(rendition["height"]),
            peak_bandwidth=_count(rendition["bandwidth"]),
            average_bandwidth=_count(rendition["average_bandwidth"]),
            bytes=_count(rendition["bytes"]),
            seconds=_seconds(rendition["seconds"]),
            segments=_count(rendition["segments"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return figures


def stored_ladder(renditions: Sequence[Mapping[str, Any]]) -> list[RungFigures] | None:
    """Every rung's stored figures, or ``None`` if any rung lacks them (or there are none)."""
    rungs = [stored_rung(rendition) for rendition in renditions]
    if not rungs or any(rung is None for rung in rungs):
        return None
    return [rung for rung in rungs if rung is not None]


@dataclass(frozen=True)
class MasterRung:
    """A rung as the master playlist names it."""

    playlist_key: str
    width: int
    height: int
    bandwidth: int


def master_rungs(text: str, master_key: str, prefix: str) -> list[MasterRung]:
    """The rungs of a master playlist stored at ``master_key``; each must lie under ``prefix``."""
    lines = _lines(text)
    rungs: list[MasterRung] = []
    for index, line in enumerate(lines):
        if not line.startswith(_STREAM_INF):
            continue
        uri = next(
            (later for later in lines[index + 1 :] if later and not later.startswith("#")), ""
        )
        resolution, bandwidth = _RESOLUTION.search(line), _BANDWIDTH.search(line)
        rungs.append(
            MasterRung(
                playlist_key=_own_key(master_key, uri, prefix),
                width=int(resolution[1]) if resolution else 0,
                height=int(resolution[2]) if resolution else 0,
                bandwidth=int(bandwidth[1]) if bandwidth else 0,
            )
        )
        if len(rungs) > MAX_RUNGS:
            raise LadderRefused("the master playlist names too many rungs")
    if not rungs:
        raise LadderRefused("the master playlist names no rung")
    return rungs


def rung_name(rung: MasterRung, prefix: str) -> str:
    """A rung's name: its playlist's directory under the outputs (``720p``), else its height."""
    directory = rung.playlist_key.removeprefix(prefix).rsplit("/", 1)
    return directory[0] if len(directory) == 2 else f"{rung.height}p"


def media_segments(text: str, playlist_key: str, prefix: str) -> list[tuple[str, float]]:
    """Each segment of a media playlist stored at ``playlist_key``: its key (under ``prefix``)
    and its ``#EXTINF`` seconds."""
    segments: list[tuple[str, float]] = []
    seconds: float | None = None
    for line in _lines(text):
        if line.startswith("#EXTINF:"):
            seconds = _extinf(line)
        elif line and not line.startswith("#"):
            if seconds is None:
                raise LadderRefused("a segment without #EXTINF")
            segments.append((_own_key(playlist_key, line, prefix), seconds))
            seconds = None
            if len(segments) > MAX_SEGMENTS:
                raise LadderRefused("the playlist names too many segments")
    if not segments:
        raise LadderRefused("the playlist names no segment")
    return segments


def measured_rung(
    name: str, width: int, height: int, segments: Sequence[tuple[float, int]]
) -> RungFigures:
    """A rung's figures from its segments' ``(seconds, bytes)``, as publishing computes them."""
    peak = max(8 * size / max(seconds, 0.001) for seconds, size in segments)
    total_bytes = sum(size for _, size in segments)
    total_seconds = sum(seconds for seconds, _ in segments)
    return RungFigures(
        name=name,
        width=width,
        height=height,
        peak_bandwidth=int(peak),
        average_bandwidth=int(8 * total_bytes / max(total_seconds, 0.001)),
        bytes=total_bytes,
        seconds=round(total_seconds, 3),
        segments=len(segments),
    )


def _own_key(base_key: str, uri: str, prefix: str) -> str:
    """``uri`` as the key of an object beside ``base_key``; refused unless under ``prefix``
    (no URL, no absolute path, no ``..``)."""
    if not uri or "://" in uri or uri.startswith("/") or "?" in uri or "#" in uri:
        raise LadderRefused(f"the playlist names {uri[:80]!r}, not one of the video's objects")
    key = base_key.rsplit("/", 1)[0] + "/" + uri
    if not is_under(key, prefix):
        raise LadderRefused(f"the playlist names {uri[:80]!r}, outside the video's outputs")
    return key


def _lines(text: str) -> list[str]:
    if len(text) > MAX_PLAYLIST_CHARS:
        raise LadderRefused("the playlist is too large")
    return [line.strip() for line in text.splitlines()]


def _extinf(line: str) -> float:
    try:
        seconds = float(line.removeprefix("#EXTINF:").split(",")[0])
    except ValueError:
        raise LadderRefused("a segment without a length") from None
    if not 0 <= seconds <= MAX_SEGMENT_SECONDS:
        raise LadderRefused("a segment without a length")
    return seconds


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 10**7:
        raise ValueError("not seconds")
    return float(value)
