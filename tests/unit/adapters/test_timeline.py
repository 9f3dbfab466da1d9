"""Where every rung's times start (``adapters/media/timeline.py``)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import av
import pytest

from academy_video.adapters.media.timeline import (
    SoundClock,
    slow_rate_options,
    sound_start,
    timeline_shift,
)


@pytest.mark.parametrize(
    ("first_picture", "first_sound", "shift"),
    [
        (0.0, 0.0, 0.0),
        (0.0, -0.023, 0.0),  # an MP4's AAC priming: the picture stays the zero
        (0.0, 0.5, 0.0),  # sound after the picture
        (10.0, 9.98, -10.0),  # a recorder's MPEG-TS starting ten seconds in
        (-1.5, -1.5, 1.5),  # an MP4 trimmed with its edit list
        (10.0, None, -10.0),  # no sound
        (0.6, 0.0, 0.0),  # a screen recorder's sound before its picture: the sound's zero
        (3.0, 0.0, 0.0),
        (13.0, 10.0, -10.0),
    ],
)
def test_the_sources_zero_is_every_rungs(
    first_picture: float, first_sound: float | None, shift: float
) -> None:
    assert timeline_shift(first_picture, first_sound) == pytest.approx(shift)


def test_encoded_sound_is_timed_from_where_the_sources_sound_starts() -> None:
    clock = SoundClock(10.0)
    packets = []
    for duration in (1_024, 1_024, 384):
        packet = av.Packet(b"\0")
        packet.time_base, packet.duration = Fraction(1, 48_000), duration
        packets.append(packet)
    stamped = clock.stamp(packets[:2]) + clock.stamp(packets[2:])
    assert [(p.pts, p.dts) for p in stamped] == [
        (480_000, 480_000),
        (481_024, 481_024),
        (482_048, 482_048),
    ]


def test_no_b_frames_where_their_delay_would_reach_before_zero() -> None:
    assert slow_rate_options(1.0) == {"bf": "0"}
    assert slow_rate_options(0.5) == {"bf": "0"}
    assert slow_rate_options(25.0) == {}


def test_sound_without_a_start_is_taken_to_start_with_the_picture() -> None:
    assert sound_start(None) is None
    assert sound_start(SimpleNamespace(start_time=None, time_base=Fraction(1, 48_000))) is None
    assert sound_start(SimpleNamespace(start_time=480_000, time_base=Fraction(1, 48_000))) == 10.0
    assert timeline_shift(10.0, sound_start(None)) == -10.0
