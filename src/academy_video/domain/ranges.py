"""Watched ranges: sorted, disjoint [start, end] intervals of a video's timeline, in seconds."""

from __future__ import annotations

Range = tuple[float, float]


def merge(ranges: list[Range], new: Range) -> list[Range]:
    """Add one interval; overlapping or touching intervals fuse, so the result stays disjoint."""
    start, end = min(new), max(new)
    if start == end:
        return list(ranges)
    merged: list[Range] = []
    placed = False
    for a, b in ranges:
        if b < start:
            merged.append((a, b))
        elif end < a:
            if not placed:
                merged.append((start, end))
                placed = True
            merged.append((a, b))
        else:
            start, end = min(a, start), max(b, end)
    if not placed:
        merged.append((start, end))
    return merged


def merge_all(ranges: list[Range], new: list[Range]) -> list[Range]:
    for r in new:
        ranges = merge(ranges, r)
    return ranges


def covered(ranges: list[Range]) -> float:
    return sum(b - a for a, b in ranges)


def at_most(ranges: list[Range], most: int) -> list[Range]:
    """``ranges`` with the shortest dropped until ``most`` are left (the earliest first among
    equals): what is dropped is credit not counted again, never credit for what was not watched
    (fusing neighbours would credit the gap between them)."""
    if len(ranges) <= most:
        return ranges
    dropped = sorted(range(len(ranges)), key=lambda i: (ranges[i][1] - ranges[i][0], i))
    gone = set(dropped[: len(ranges) - most])
    return [r for i, r in enumerate(ranges) if i not in gone]
