"""Watched ranges: the union must be exact whatever order intervals arrive in."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from academy_video.domain.ranges import at_most, covered, merge, merge_all

interval = st.tuples(
    st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200)
).map(lambda t: (float(t[0]), float(t[1])))


def seconds_of(intervals: list[tuple[float, float]]) -> set[int]:
    """Reference model: the set of unit cells [s, s+1) covered."""
    cells: set[int] = set()
    for a, b in intervals:
        cells.update(range(int(min(a, b)), int(max(a, b))))
    return cells


@given(st.lists(interval, max_size=30))
def test_merged_ranges_cover_exactly_the_union(intervals: list[tuple[float, float]]) -> None:
    ranges = merge_all([], intervals)
    assert covered(ranges) == len(seconds_of(intervals))
    assert seconds_of(ranges) == seconds_of(intervals)


@given(st.lists(interval, max_size=30))
def test_merged_ranges_are_sorted_disjoint_and_non_touching(
    intervals: list[tuple[float, float]],
) -> None:
    ranges = merge_all([], intervals)
    for a, b in ranges:
        assert a < b
    for (_, b1), (a2, _) in itertools.pairwise(ranges):
        assert b1 < a2


@given(st.lists(interval, max_size=20), st.randoms())
def test_order_of_arrival_does_not_matter(intervals: list[tuple[float, float]], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(intervals)
    rnd.shuffle(shuffled)
    assert merge_all([], intervals) == merge_all([], shuffled)


@given(st.lists(interval, max_size=20), interval)
def test_merging_is_idempotent(
    intervals: list[tuple[float, float]], extra: tuple[float, float]
) -> None:
    once = merge(merge_all([], intervals), extra)
    assert merge(once, extra) == once


def test_touching_intervals_fuse_and_empty_ones_vanish() -> None:
    assert merge_all([], [(0, 10), (10, 20), (30, 30)]) == [(0, 20)]
    assert merge_all([], [(20, 10)]) == [(10, 20)]


@given(
    st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 50)), max_size=60), st.integers(0, 40)
)
def test_at_most_keeps_the_longest_in_order(pieces: list[tuple[int, int]], most: int) -> None:
    ranges = merge_all([], [(float(a), float(a + length)) for a, length in pieces])
    kept = at_most(ranges, most)
    assert len(kept) == min(most, len(ranges))
    assert kept == [r for r in ranges if r in kept]  # a subset, in order
    dropped = [r for r in ranges if r not in kept]
    if kept and dropped:
        assert min(b - a for a, b in kept) >= max(b - a for a, b in dropped)
