"""The old tables' batches read ahead in a thread (``reader.ahead``): the same batches in the
same order, an error raised to the caller, and a caller that stops early stops the thread."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest

from academy_video.adapters.legacy.reader import ahead


def numbers(count: int, closed: threading.Event) -> Generator[int, None, None]:
    try:
        yield from range(count)
    finally:
        closed.set()


def test_the_same_batches_in_order() -> None:
    closed = threading.Event()
    assert list(ahead(numbers(50, closed), depth=2)) == list(range(50))
    assert closed.wait(5)


def test_an_error_while_reading_is_raised_to_the_caller() -> None:
    def failing() -> Generator[int, None, None]:
        yield 1
        raise RuntimeError("lost the old database")

    batches = ahead(failing())
    assert next(batches) == 1
    with pytest.raises(RuntimeError, match="lost the old database"):
        next(batches)


def test_stopping_early_stops_the_reading_thread() -> None:
    closed = threading.Event()
    batches = ahead(numbers(10_000, closed), depth=1)
    assert next(batches) == 0
    batches.close()
    assert closed.wait(5)
    assert not any(t.name == "legacy-reader" and t.is_alive() for t in threading.enumerate())
