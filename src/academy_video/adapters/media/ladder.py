"""The HLS ladder: which renditions a source gets, and their bitrates.

Renditions are never larger than the source: the rungs of ``HEIGHTS`` up to the source's height,
plus one at the source's own size when it falls between rungs (a 480p source gets 360p and 480p,
and its own size can then be served by copying it: the remux fast path). Video bitrates follow
a bits-per-pixel rule, as PeerTube's ladder does: ``width × height × fps × BITS_PER_PIXEL``, so a
rung's bitrate scales with its area and frame rate (720p30 ≈ 2.5 Mb/s, 360p30 ≈ 0.62 Mb/s,
1080p30 ≈ 5.6 Mb/s). ``maxrate`` is 1.5× that, with a 2× buffer, for lecture content's bursts.
"""

from __future__ import annotations

from dataclasses import dataclass

HEIGHTS = (360, 720, 1080)
BITS_PER_PIXEL = 0.09
MAX_FPS = 60.0
AUDIO_BITRATE = {360: 96_000}
DEFAULT_AUDIO_BITRATE = 128_000


@dataclass(frozen=True)
class Rung:
    name: str  # "720p": also the rendition's directory
    width: int
    height: int
    video_bitrate: int
    audio_bitrate: int

    @property
    def maxrate(self) -> int:
        return self.video_bitrate * 3 // 2

    @property
    def bufsize(self) -> int:
        return self.video_bitrate * 2


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan(width: int, height: int, fps: float) -> list[Rung]:
    """The rungs for a ``width``×``height`` source at ``fps``, lowest first."""
    if width <= 0 or height <= 0:
        raise ValueError("the source has no picture size")
    heights = [h for h in HEIGHTS if h <= height]
    if height < HEIGHTS[-1] and height not in heights:
        heights.append(_even(height))
    rate = min(max(fps, 1.0), MAX_FPS)
    rungs = []
    for h in heights:
        w = _even(width * h / height)
        bitrate = int(w * h * rate * BITS_PER_PIXEL) // 1000 * 1000
        audio = AUDIO_BITRATE.get(h, DEFAULT_AUDIO_BITRATE)
        rungs.append(Rung(f"{h}p", w, h, max(bitrate, 100_000), audio))
    return rungs
