"""Which decoded pictures the ``quality`` ladder encodes, at which time, and which are keyframes.

A lecture holds a slide for a minute: at 30 pictures a second the encoder codes a repeated
picture in a few bytes, but the MPEG-TS muxer still spends at least one 188-byte packet on each,
a floor that was most of a still rung's bytes (docs/encoding.md, "The floor"). A picture whose
planes equal, byte for byte, those of the last picture passed on is left out; the one before it
lasts until the next (``renditions.hold``, which also bounds how long a picture is held). Only
exact repeats: a picture that differs by one pixel is encoded, so nothing is lost that the
source had.

Times: each picture is stamped on the encoder's tick (one frame of the rung's rate), rounding
half up as FFmpeg does; a picture whose stamp would not come after the last one's (a source
faster than its declared rate, or jittering around the grid) is left out, since the rung cannot
show it; one more than a second before the last one (two recordings joined end to end) is
refused, not left out with all that follows it.

Keyframes: the encoder's GOP counts pictures, which no longer tracks time once some are left
out, so one is forced every ``every`` seconds from the first picture's stamp, on the first
picture stamped at or after the boundary: the hls muxer cuts a segment only at a keyframe at
least that far from its start (one stamped a hair early was passed over and the segment ran 8 s).
Where the source has no picture across a boundary (a gap), the last picture is sent again there.
Not used where the top rung is the source's own packets (``renditions.Encoding``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .confinement import Refusal


class PassedPictures:
    """The pass's choice for every rung alike: ``admit`` answers the stamp and whether it is a
    keyframe, or ``None`` for a picture left out."""

    def __init__(self, tick: Fraction, keyframe_every: int) -> None:
        self.tick = tick
        self.keyframe_every = keyframe_every
        self.last_ticks: int | None = None
        self.last_planes: tuple[bytes, ...] | None = None
        self.next_keyframe: Fraction | None = None

    def admit(self, frame: Any, at: Fraction) -> tuple[Fraction, bool] | None:
        ticks = math.floor(at / self.tick + Fraction(1, 2))
        if self.last_ticks is not None and ticks <= self.last_ticks:
            if (self.last_ticks - ticks) * self.tick > 1:
                raise Refusal("timestamps_go_backwards")
            return None
        stamp = ticks * self.tick
        keyframe = self._due(stamp)
        planes = tuple(bytes(plane) for plane in frame.planes)
        if not keyframe and planes == self.last_planes:
            return None
        self.last_ticks, self.last_planes = ticks, planes
        return stamp, keyframe

    def spanned_keyframes(self, at: Fraction) -> list[Fraction]:
        """The keyframe stamps a gap in the source spans before a picture at ``at``: the last
        picture passed on is sent again at each, as a keyframe, so that no segment runs past
        its length however long the source shows nothing."""
        if self.next_keyframe is None or self.last_ticks is None:
            return []
        ticks = math.floor(at / self.tick + Fraction(1, 2))
        spanned: list[Fraction] = []
        while True:
            boundary = math.ceil(self.next_keyframe / self.tick)  # the first tick at or past it
            if boundary >= ticks:
                return spanned
            spanned.append(boundary * self.tick)
            self.last_ticks = boundary
            self.next_keyframe += self.keyframe_every

    def _due(self, stamp: Fraction) -> bool:
        if self.next_keyframe is not None and stamp < self.next_keyframe:
            return False
        start = stamp if self.next_keyframe is None else self.next_keyframe
        self.next_keyframe = start + self.keyframe_every
        while self.next_keyframe <= stamp:  # a gap in the source skips what it spans
            self.next_keyframe += self.keyframe_every
        return True
