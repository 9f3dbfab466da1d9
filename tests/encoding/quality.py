"""The quality harness, now ``academy_video.adapters.media.quality`` (``media inspect --quality``
runs it too) and ``frame_scores``: re-exported here under the names the benches and tests import."""

from academy_video.adapters.media.frame_scores import PSNR_CAP, FrameScores, compare, percentile
from academy_video.adapters.media.quality import (
    SECONDS_PER_HOUR,
    RungQuality,
    Segment,
    measure_ladder,
    measure_rung,
    measure_rung_against,
    read_segments,
)

__all__ = [
    "PSNR_CAP",
    "SECONDS_PER_HOUR",
    "FrameScores",
    "RungQuality",
    "Segment",
    "compare",
    "measure_ladder",
    "measure_rung",
    "measure_rung_against",
    "percentile",
    "read_segments",
]
