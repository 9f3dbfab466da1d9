"""``serve``'s collector policy: the oldest generation collected ten times less often than
CPython's default, the young ones as before (the kept progresses make full passes long)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from academy_video.adapters.cli import runtime


@pytest.fixture(autouse=True)
def thresholds_restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_full_collections_are_rarer_and_young_ones_unchanged() -> None:
    gc.set_threshold(700, 10, 10)
    runtime.tune_collector()
    assert gc.get_threshold() == (700, 10, runtime.FULL_COLLECTION_AFTER)
    assert runtime.FULL_COLLECTION_AFTER >= 100
