"""The HLS ladder: which renditions a source gets, and their bitrates.

Renditions are never larger than the source: the rungs of ``HEIGHTS`` up to the source's height,
plus one at the source's own size when it falls between rungs (a 480p source gets 360p and 480p,
and its own size can then be served by copying it: the remux fast path). Video bitrates follow
a bits-per-pixel rule, as PeerTube's ladder does: ``width × height × fps × BITS_PER_PIXEL``, so a
rung's bitrate scales with its area and frame rate (720p30 ≈ 2.5 Mb/s, 360p30 ≈ 0.62 Mb/s,
1080p30 ≈ 5.6 Mb/s).

How a rung spends its bits is the rate control (``RATE_CONTROLS``, docs/encoding.md):

- ``quality`` (the default): x264 constant quality (``CRF``) capped just under the rung's
  bitrate (``maxrate`` 0.95×, ``bufsize`` 1×). Still lecture content takes what its picture
  needs, a fraction of the rate; motion and grain get up to the cap and no more, so no rung
  spends more than the fixed ladder did.
- ``fixed``: the ladder as it was, an average bitrate of the bits-per-pixel rate with
  ``maxrate`` 1.5× and a 2× buffer, whatever is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from academy_video.app.config import RATE_CONTROLS

HEIGHTS = (360, 720, 1080)
BITS_PER_PIXEL = 0.09
MAX_FPS = 60.0
AUDIO_BITRATE = {360: 96_000}
DEFAULT_AUDIO_BITRATE = 128_000
# x264 CRF per rung height under ``quality``: the highest that keeps the still lecture kinds'
# SSIM equal to the fixed ladder's at three decimals (docs/encoding.md); a small rung's pixels
# are each seen larger, so it gets the finer value. 1080p is not measured: it takes 720p's.
CRF = {360: 13, 720: 16}
DEFAULT_CRF = 16
# Under ``quality``, the cap (``maxrate``) and the buffer as shares of the rung's bitrate. x264
# starts with the buffer 90 % full and spends it: on content that needs every bit (grain) a
# 20 s source averaged rate + 0.9 × bufsize / 20 s, so the cap sits 5 % under the rate and the
# buffer is one second, and the whole stays under the fixed ladder's bytes (measured).
CAP_SHARE = 0.95
BUFFER_SHARE = 1.0


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

    @property
    def crf(self) -> int:
        return CRF.get(self.height, DEFAULT_CRF)

    def may_copy(self, source_bit_rate: int | None, rate_control: str) -> bool:
        """Whether this rung may be the source's own packets (remux) under ``rate_control``:
        under ``quality`` only a source within the rung's cap, so that no rung spends more
        than the cap allows (a camera's 8 Mb/s copied as the 1080p rung would, and no lecture
        saving reaches it); a source whose rate is unknown is encoded."""
        if rate_control != "quality":
            return True
        return 0 < (source_bit_rate or 0) <= int(self.video_bitrate * CAP_SHARE)

    def rate_options(self, rate_control: str) -> tuple[int, dict[str, str]]:
        """The encoder's average bitrate (0: none) and x264 options under ``rate_control``."""
        if rate_control == "fixed":
            return self.video_bitrate, {
                "maxrate": str(self.maxrate),
                "bufsize": str(self.bufsize),
            }
        if rate_control == "quality":
            # The buffer model bounds a segment of T seconds to maxrate × T + bufsize: a 4 s
            # segment's peak ≤ 1.2× the rate (the fixed ladder's could reach 2×).
            return 0, {
                "crf": str(self.crf),
                "maxrate": str(int(self.video_bitrate * CAP_SHARE)),
                "bufsize": str(int(self.video_bitrate * BUFFER_SHARE)),
            }
        raise ValueError(f"unknown rate control {rate_control!r}: one of {RATE_CONTROLS}")


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
