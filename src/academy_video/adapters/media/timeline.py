"""Where every rung's times start: the source's zero at the PTS the captions'
``X-TIMESTAMP-MAP`` names (``domain/subtitle_playlists.py``), whatever times the source had (a
recorder's MPEG-TS starts anywhere, an MP4's sound a priming before its picture), and nothing
before the MPEG-TS muxer's start, where times would wrap."""

from __future__ import annotations

from typing import Any

# Sound that leads the first picture by no more is a codec's priming (AAC: 1,024-2,112 samples),
# which decoders drop: the picture stays the zero.
PRIMING_SECONDS = 0.1
# Under it, two pictures of B-frame decode delay reach past the MPEG-TS muxer's 1.4 s start.
MIN_B_FRAME_FPS = 2.0


def timeline_shift(first_picture: float, first_sound: float | None) -> float:
    """Seconds added to every time of a source whose first picture and sound (None: it has
    none) are at these times, so that the source's zero, as a player or a caption author sees
    it, is every rung's: the first picture, or the first sound where it starts earlier (a
    screen recorder's sound often does; the recogniser times its words from it), unless it
    leads only by a codec's priming, which decoders drop."""
    if first_sound is not None and first_sound < first_picture - PRIMING_SECONDS:
        return -first_sound
    return -first_picture


class SoundClock:
    """Times for an audio encoder's packets, which carry none (it is fed sound without times:
    a source's are often uneven), counted in samples from where the source's sound starts (a
    recorder's MPEG-TS sound starts where its picture does, anywhere)."""

    def __init__(self, start_seconds: float) -> None:
        self.start_seconds = start_seconds
        self.next_tick: int | None = None

    def stamp(self, packets: list[Any]) -> list[Any]:
        for packet in packets:
            if self.next_tick is None:
                self.next_tick = round(self.start_seconds / packet.time_base)
            packet.pts = packet.dts = self.next_tick
            self.next_tick += packet.duration or 0
        return packets


def slow_rate_options(fps: float) -> dict[str, str]:
    """x264 options for a rung at ``fps``: no B-frames under ``MIN_B_FRAME_FPS``, where their
    decode delay (two pictures) would reach past the MPEG-TS muxer's start, before zero."""
    return {"bf": "0"} if fps < MIN_B_FRAME_FPS else {}


def start_seconds(stream: Any) -> float:
    """A stream's first time, in seconds (0 where the container does not say)."""
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def sound_start(stream: Any | None) -> float | None:
    """Where a source's sound starts, in seconds; None without sound or where the container
    does not say (its sound is then taken to start with the picture)."""
    return None if stream is None or stream.start_time is None else start_seconds(stream)
