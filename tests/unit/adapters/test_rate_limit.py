"""The in-process RateLimiter keeps the port's contract."""

from collections.abc import Callable

import pytest

from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.app.ports import RateLimiter
from tests.contract.rate_limit_suite import CHECKS


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_in_memory_limiter_keeps_the_contract(check: Callable[[RateLimiter], None]) -> None:
    check(InMemoryRateLimiter())
