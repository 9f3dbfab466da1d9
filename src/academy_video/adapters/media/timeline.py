"""Where every rung's times start: the source's first picture at zero, the PTS the captions'
``X-TIMESTAMP-MAP`` names (``domain/subtitle_playlists.py``), whatever times the source had (a
recorder's MPEG-TS starts anywhere, an MP4's sound a priming before its picture)."""

from __future__ import annotations

from typing import Any

# How far before the first picture a source's sound may start and keep its time: within the
# MPEG-TS muxer's 1.4 s start, with room for an encoder's decode times before their pictures.
SOUND_LEAD_SECONDS = 1.0


def timeline_shift(first_picture: float, first_sound: float | None) -> float:
    """Seconds added to every time of a source whose first picture and sound (None: it has
    none) are at these times, so that its first picture is every rung's zero. Sound starting
    more than ``SOUND_LEAD_SECONDS`` before the picture is shifted to start there, the pictures
    with it: the rungs' times are never negative (MPEG-TS would wrap them), at the cost, on
    such a source, of captions shown early by the excess."""
    lead = 0.0 if first_sound is None else first_picture - first_sound
    excess = max(0.0, lead - SOUND_LEAD_SECONDS)
    return -first_picture + excess


def start_seconds(stream: Any) -> float:
    """A stream's first time, in seconds (0 where the container does not say)."""
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
