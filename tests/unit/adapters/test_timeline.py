"""Where every rung's times start (``adapters/media/timeline.py``)."""

from __future__ import annotations

import pytest

from academy_video.adapters.media.timeline import SOUND_LEAD_SECONDS, timeline_shift


@pytest.mark.parametrize(
    ("first_picture", "first_sound", "shift"),
    [
        (0.0, 0.0, 0.0),
        (0.0, -0.023, 0.0),  # an MP4's AAC priming keeps its time
        (0.0, 0.5, 0.0),  # sound after the picture
        (10.0, 9.98, -10.0),  # a recorder's MPEG-TS starting ten seconds in
        (-1.5, -1.5, 1.5),  # an MP4 trimmed with its edit list
        (10.0, None, -10.0),  # no sound
    ],
)
def test_the_first_picture_is_every_rungs_zero(
    first_picture: float, first_sound: float | None, shift: float
) -> None:
    assert timeline_shift(first_picture, first_sound) == pytest.approx(shift)


def test_sound_far_before_the_picture_is_brought_within_the_lead_and_never_negative() -> None:
    shift = timeline_shift(3.0, 0.0)
    assert 0.0 + shift == pytest.approx(-SOUND_LEAD_SECONDS)  # the sound, within the lead
    assert 3.0 + shift == pytest.approx(3.0 - SOUND_LEAD_SECONDS)  # the picture, with it
