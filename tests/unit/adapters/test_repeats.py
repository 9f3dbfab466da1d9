"""Which pictures the ``quality`` ladder leaves out (``repeats.py``), where its keyframes go, and
how the harness pairs a source's frames with a rung that left some out (``frame_scores.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest

from academy_video.adapters.media.confinement import Refusal
from academy_video.adapters.media.frame_scores import _pairs
from academy_video.adapters.media.repeats import PassedPictures

FRAME = Fraction(1, 30)


@dataclass
class Picture:
    planes: tuple[bytes, ...]
    pts: int | None = None
    time_base: Fraction | None = Fraction(1, 90_000)


def still(value: int) -> Picture:
    return Picture((bytes([value]) * 16, bytes([128]) * 4, bytes([128]) * 4))


def admitted(
    pictures: list[Picture], times: list[Fraction] | None = None
) -> list[tuple[int, Fraction, bool]]:
    """(index, stamp, keyframe) of each picture passed on."""
    passed = PassedPictures(FRAME, 4)
    times = times or [i * FRAME for i in range(len(pictures))]
    found = []
    for i, (picture, at) in enumerate(zip(pictures, times, strict=True)):
        answer = passed.admit(picture, at)
        if answer is not None:
            found.append((i, *answer))
    return found


def indices(found: list[tuple[int, Fraction, bool]]) -> list[int]:
    return [i for i, _, _ in found]


def test_an_exact_repeat_is_left_out_and_a_changed_picture_is_not() -> None:
    assert indices(admitted([still(1), still(1), still(2), still(2), still(1)])) == [0, 2, 4]


def test_one_changed_byte_in_any_plane_is_a_new_picture() -> None:
    changed = still(1)
    changed.planes = (changed.planes[0], changed.planes[1], bytes([129]) + bytes([128]) * 3)
    assert indices(admitted([still(1), changed, still(1)])) == [0, 1, 2]


def test_keyframes_every_period_from_the_first_stamp_on_the_first_picture_at_or_past_it() -> None:
    # 29.97 pictures a second: picture 119 is stamped 3.9706 s, a hair before the boundary; the
    # muxer would pass a keyframe there over, so the next one (4.004 s) is the keyframe.
    tick = Fraction(1001, 30000)
    passed = PassedPictures(tick, 4)
    frames = [Picture((bytes([i % 256]),)) for i in range(300)]
    keys = []
    for i, frame in enumerate(frames):
        answer = passed.admit(frame, i * tick)
        if answer is not None and answer[1]:
            keys.append(i)
    assert keys == [0, 120, 240]


def test_a_keyframe_is_never_left_out_and_a_gap_skips_the_boundaries_it_spans() -> None:
    times = [Fraction(0), Fraction(1), Fraction(13), Fraction(14), Fraction(16)]
    found = admitted([still(1)] * 5, times)
    assert [(i, key) for i, _, key in found] == [(0, True), (2, True), (4, True)]


def test_stamps_round_half_up_and_a_picture_sharing_the_last_ones_tick_is_left_out() -> None:
    half = FRAME / 2
    times = [Fraction(10) + half + i * FRAME for i in range(3)]
    found = admitted([still(i) for i in range(3)], times)
    assert [stamp / FRAME for _, stamp, _ in found] == [301, 302, 303]
    # Twice the declared rate: half-tick times round to ticks 0, 1, 1, 2, 2, 3; each picture
    # landing on a tick already taken is left out.
    times = [i * FRAME / 2 for i in range(6)]
    assert indices(admitted([still(i) for i in range(6)], times)) == [0, 1, 3, 5]


def test_a_jump_back_of_more_than_a_second_is_refused_not_left_out() -> None:
    # Two recordings joined end to end: what follows the jump would all share past ticks.
    passed = PassedPictures(FRAME, 4)
    assert passed.admit(still(1), Fraction(6)) is not None
    assert passed.admit(still(2), Fraction(6) - FRAME / 2) is None  # jitter: left out
    assert passed.admit(still(3), Fraction(5)) is None  # a second back: still jitter
    with pytest.raises(Refusal, match="timestamps_go_backwards"):
        passed.admit(still(4), Fraction(4))


def timed(ticks: list[int], name: str) -> list[Picture]:
    return [Picture((name.encode(), str(t).encode()), pts=t) for t in ticks]


def test_each_source_frame_meets_the_picture_on_screen_at_its_time() -> None:
    source = timed([0, 3000, 6000, 9000, 12000], "s")  # 30 fps in 90 kHz ticks
    rung = timed([126_000, 132_000], "r")  # a rung starting later, its second picture at 2/30 s
    pairs = [(a.pts, b.pts if b else None) for a, b in _pairs(source, rung, None)]
    # The last picture lasts one step (2/30 s) when the rung's end is unknown.
    on_screen = [(0, 126_000), (3000, 126_000), (6000, 132_000), (9000, 132_000), (12000, None)]
    assert pairs == on_screen


def test_a_rung_that_ends_early_compares_fewer_frames() -> None:
    source = timed([0, 3000, 6000, 9000], "s")
    rung = timed([0, 3000], "r")
    rung_seconds = 2 / 30
    compared = [b for _, b in _pairs(source, rung, rung_seconds) if b is not None]
    assert len(compared) == 2
    held = [b for _, b in _pairs(source, rung, 4 / 30) if b is not None]
    assert [p.pts for p in held] == [0, 3000, 3000, 3000]


def test_a_rung_without_pictures_compares_none() -> None:
    source: list[Any] = timed([0, 3000, 6000], "s")
    rung: list[Any] = []
    assert [b for _, b in _pairs(source, rung, None)] == [None, None, None]


def test_a_first_frame_without_a_time_does_not_shift_the_pairs_after_it() -> None:
    source = timed([0, 3000, 6000, 9000], "s")
    source[0].pts = None  # its time is one step before the next one's
    rung = timed([0, 3000, 6000, 9000], "r")
    pairs = [(b.pts if b else None) for _, b in _pairs(source, rung, 4 / 30)]
    assert pairs == [0, 3000, 6000, 9000]


def test_a_gap_over_a_boundary_sends_the_last_picture_again_as_each_keyframe() -> None:
    passed = PassedPictures(FRAME, 4)
    assert passed.admit(still(1), Fraction(0)) == (Fraction(0), True)
    assert passed.spanned_keyframes(Fraction(1)) == []  # no boundary crossed
    assert passed.spanned_keyframes(Fraction(13)) == [Fraction(4), Fraction(8), Fraction(12)]
    assert passed.admit(still(2), Fraction(13)) == (Fraction(13), False)
    assert passed.admit(still(3), Fraction(16)) == (Fraction(16), True)
