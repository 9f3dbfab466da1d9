"""Which decoded pictures the ``quality`` ladder need not encode, and where its keyframes go.

A lecture holds a slide for a minute: at 30 pictures a second the encoder codes a repeated
picture in a few bytes, but the MPEG-TS muxer still spends at least one 188-byte packet on each,
a floor that was most of a still rung's bytes (docs/encoding.md, "The floor"). A picture whose
planes equal, byte for byte, those of the last picture passed on is left out; the one before it
lasts until the next (``renditions.hold``). Only exact repeats: a picture that differs by one
pixel is encoded, so nothing is lost that the source had.

What is never left out, so that players and the muxer see what they expect:

- a keyframe (each segment still starts with a picture), and the picture after it: FFmpeg's hls
  muxer times the last segment as the durations of its packets after the first plus the
  stream's first packet's, so a keyframe must last one frame, as the stream's first does (held
  0.5 s, the last `#EXTINF` came out 0.5 s short);
- a repeat once the last picture has been held ``MAX_HOLD_SECONDS``: a player never waits long
  for its next picture;
- the stream's first ``OPENING_PICTURES``: x264 takes its decoding delay from their spacing
  (with B-frames, the third picture's time less the first's) and shifts every decode time by it;
  held, the first decode time came ~1 s before the first picture and hls.js stretched the video's
  timeline by that second (tests/browser/test_player_still_pictures.py).

Keyframes: the encoder's GOP counts pictures, which no longer tracks time once some are left
out, so the pass forces one every ``gop_seconds`` of source time (or where the source has its
own, when its top rung is copied).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

MAX_HOLD_SECONDS = Fraction(1, 2)
OPENING_PICTURES = 3


class RepeatedPictures:
    """Remembers the last picture passed on, to tell whether the next one repeats it."""

    def __init__(self, frame_seconds: Fraction) -> None:
        self.frame_seconds = frame_seconds
        self.last_planes: tuple[bytes, ...] | None = None
        self.last_at = Fraction(0)
        self.passed = 0
        self.after_keyframe = False

    def left_out(self, frame: Any, at: Fraction, keyframe: bool) -> bool:
        """Whether ``frame`` (at ``at`` seconds) repeats the last picture passed on and may be
        left out; if not, it becomes the last one."""
        planes = tuple(bytes(plane) for plane in frame.planes)
        held_for = at - self.last_at
        if (
            not keyframe
            and not self.after_keyframe
            and self.passed >= OPENING_PICTURES
            and planes == self.last_planes
            and held_for + self.frame_seconds / 2 < MAX_HOLD_SECONDS
        ):
            return True
        self.last_planes, self.last_at = planes, at
        self.passed += 1
        self.after_keyframe = keyframe
        return False


class KeyframeClock:
    """A keyframe every ``every`` seconds of source time from ``start``."""

    def __init__(self, start: Fraction, every: int, frame_seconds: Fraction) -> None:
        self.next_at = start
        self.every = every
        self.early = frame_seconds / 2  # a picture stamped a little early still starts it

    def due(self, at: Fraction) -> bool:
        if at + self.early < self.next_at:
            return False
        while self.next_at <= at + self.early:
            self.next_at += self.every
        return True
