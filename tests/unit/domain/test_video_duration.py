"""A video's duration: kept as measured, shown to the old clients in whole seconds."""

import math

import pytest

from academy_video.domain.video_duration import MAX_DURATION_SECONDS, usable_duration, whole_seconds
from tests.unit.domain.builders import at, new_video
from tests.unit.domain.test_video import PROBE, processing


@pytest.mark.parametrize(
    ("seconds", "whole"),
    [(8.011, 8), (8.999, 8), (0.9, 0), (0.0, 0), (61.0, 61), (None, None), (12, 12)],
)
def test_whole_seconds_truncate_as_the_old_app_stored_them(
    seconds: float | None, whole: int | None
) -> None:
    assert whole_seconds(seconds) == whole


@pytest.mark.parametrize(
    "seconds", [-1.0, -0.001, math.nan, math.inf, -math.inf, MAX_DURATION_SECONDS + 1, True]
)
def test_no_negative_nan_or_infinite_duration_is_kept_or_shown(seconds: float) -> None:
    assert usable_duration(seconds) is None
    assert whole_seconds(seconds) is None


def test_the_video_keeps_only_a_usable_measurement() -> None:
    # The probe said NaN: no duration, rather than one no client can read.
    video = new_video()
    video.confirm_upload(size=10, probe={**PROBE, "duration": math.nan})
    assert video.duration is None
    # A worker's negative or infinite duration keeps what the probe said.
    for bad in (-5.0, math.inf):
        video = processing()
        video.complete_processing(
            worker_id="w1", now=at(1), hls_path="hls/demo/videos/7/master.m3u8", duration=bad
        )
        assert video.duration == PROBE["duration"]
    video = processing()
    video.acknowledge_completion(hls_path="media/hls/demo/videos/7/master.m3u8", duration=8.011)
    assert video.duration == 8.011  # the precise value is kept; clients see 8
