"""Which pictures the ``quality`` ladder leaves out (``repeats.py``), where its keyframes go, and
how the harness pairs a source's frames with a rung that left some out (``frame_scores.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

from academy_video.adapters.media.frame_scores import _pairs
from academy_video.adapters.media.repeats import (
    MAX_HOLD_SECONDS,
    OPENING_PICTURES,
    KeyframeClock,
    RepeatedPictures,
)

FRAME = Fraction(1, 30)


@dataclass
class Picture:
    planes: tuple[bytes, ...]
    pts: int | None = None
    time_base: Fraction | None = Fraction(1, 90_000)


def still(value: int) -> Picture:
    return Picture((bytes([value]) * 16, bytes([128]) * 4, bytes([128]) * 4))


def left_out(pictures: list[Picture], keyframes: frozenset[int] = frozenset()) -> list[int]:
    repeats = RepeatedPictures(FRAME)
    return [i for i, p in enumerate(pictures) if repeats.left_out(p, i * FRAME, i in keyframes)]


OPENING = [still(0)] * OPENING_PICTURES  # always passed on (x264's decoding delay)


def test_an_exact_repeat_is_left_out_and_a_changed_picture_is_not() -> None:
    pictures = [*OPENING, still(1), still(1), still(2), still(2), still(1)]
    assert left_out(pictures) == [4, 6]


def test_the_opening_pictures_are_passed_on_even_when_they_repeat() -> None:
    assert left_out([still(0)] * (OPENING_PICTURES + 1)) == [OPENING_PICTURES]


def test_one_changed_byte_in_any_plane_is_a_new_picture() -> None:
    changed = still(1)
    changed.planes = (changed.planes[0], changed.planes[1], bytes([129]) + bytes([128]) * 3)
    assert left_out([*OPENING, still(1), changed, still(1)]) == []


def test_a_keyframe_and_the_picture_after_it_are_never_left_out() -> None:
    pictures = [*OPENING, *[still(1)] * 6]
    assert left_out(pictures, keyframes=frozenset({5})) == [4, 7, 8]


def test_no_picture_is_held_past_the_bound() -> None:
    # A slide held 3 s at 30 fps: a picture passed on at least every MAX_HOLD_SECONDS.
    kept = sorted(set(range(90)) - set(left_out([*OPENING, *[still(0)] * 87])))
    gaps = [(b - a) * FRAME for a, b in pairwise(kept)]
    assert max(gaps) <= MAX_HOLD_SECONDS
    # And no more than that: the opening ones, then one every 15 pictures (0.5 s at 30 fps).
    assert kept == [0, 1, 2, 17, 32, 47, 62, 77]


def test_keyframes_fall_every_period_of_source_time() -> None:
    clock = KeyframeClock(Fraction(7, 10), 4, FRAME)
    due = [i for i in range(300) if clock.due(Fraction(7, 10) + i * FRAME)]
    assert due == [0, 120, 240]
    # A picture stamped a hair early still starts its period; a gap skips what it spans.
    clock = KeyframeClock(Fraction(0), 4, FRAME)
    assert clock.due(Fraction(0)) and clock.due(Fraction(3999, 1000))
    assert not clock.due(Fraction(5)) and clock.due(Fraction(13)) and not clock.due(Fraction(15))


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
