"""The RateLimiter port's contract: the in-process and the Redis limiter both pass it.

Each ``check_*`` takes a fresh limiter; the test modules of each adapter run them all."""

from datetime import UTC, datetime, timedelta

from academy_video.app.ports import RateLimiter

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # the start of a one-minute window


def allowed(limiter: RateLimiter, key: str, at: datetime, times: int, limit: int = 3) -> int:
    return sum(limiter.allow(key, limit=limit, window_seconds=60, now=at) for _ in range(times))


def check_the_limit_holds_within_a_window(limiter: RateLimiter) -> None:
    assert allowed(limiter, "u1", T0 + timedelta(seconds=5), 5) == 3
    assert allowed(limiter, "u1", T0 + timedelta(seconds=50), 1) == 0  # refusals count nothing


def check_keys_are_independent(limiter: RateLimiter) -> None:
    assert allowed(limiter, "u1", T0, 3) == 3
    assert allowed(limiter, "u2", T0, 3) == 3


def check_no_burst_of_twice_the_limit_across_a_window_boundary(limiter: RateLimiter) -> None:
    assert allowed(limiter, "u1", T0 + timedelta(seconds=59), 3) == 3
    # One second into the next window the last one still overlaps 59/60: nothing more yet.
    assert allowed(limiter, "u1", T0 + timedelta(seconds=61), 3) == 0
    # Half way through it, half of the previous window's 3 uses still count: 1 more fits.
    assert allowed(limiter, "u1", T0 + timedelta(seconds=90), 3) == 1
    # Two windows later all of it is forgotten.
    assert allowed(limiter, "u1", T0 + timedelta(seconds=180), 5) == 3


CHECKS = [
    check_the_limit_holds_within_a_window,
    check_keys_are_independent,
    check_no_burst_of_twice_the_limit_across_a_window_boundary,
]
