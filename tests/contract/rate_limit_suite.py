"""The RateLimiter port's contract: the in-process and the Redis limiter both pass it.

Each ``check_*`` takes a fresh limiter; the test modules of each adapter run them all."""

from datetime import UTC, datetime, timedelta

from academy_video.app.ports import RateLimiter
from academy_video.domain.event_budget import Window

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


def check_a_use_may_cost_more_than_one(limiter: RateLimiter) -> None:
    # A batch of n events costs n: 4 + 4 of 10 fit, then 3 more would not, 2 do.
    at = T0 + timedelta(seconds=5)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=4)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=4)
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=3)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=2)  # refused: not counted
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=at)
    # The costs weigh across the boundary like single uses: at 3/4 of the next window, a
    # quarter of the 10 still counts, so 7 more fit and 8 would not.
    later = T0 + timedelta(seconds=105)
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=later, cost=8)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=later, cost=7)


def check_a_cost_over_the_limit_never_fits(limiter: RateLimiter) -> None:
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=T0, cost=11)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=T0, cost=10)


def check_a_refund_gives_back_what_its_window_counted(limiter: RateLimiter) -> None:
    at = T0 + timedelta(seconds=5)
    assert limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=6)
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=6)
    limiter.refund("s1", window_seconds=60, now=at, cost=6)  # what it paid for was refused
    assert limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=10)
    # Never below zero: a refund of more than was counted leaves nothing to borrow against.
    limiter.refund("s1", window_seconds=60, now=at, cost=50)
    assert not limiter.allow("s1", limit=10, window_seconds=60, now=at, cost=11)
    # A refund of a window that counted nothing (or is forgotten) changes nothing.
    limiter.refund("s2", window_seconds=60, now=at, cost=5)
    assert allowed(limiter, "s2", at, 4) == 3


def check_several_windows_count_all_or_nothing(limiter: RateLimiter) -> None:
    minute = Window("events:{t:a:u:1}:minute", 10, 60)
    day = Window("events:{t:a:u:1}:day", 15, 86_400)
    at = T0 + timedelta(seconds=5)
    assert limiter.allow_all([minute, day], now=at, cost=8) is None
    # The minute refuses 8 more: the day counted none of them either.
    assert limiter.allow_all([minute, day], now=at, cost=8) == minute
    later = at + timedelta(minutes=3)  # the minute forgot; the day has 7 left, not 0
    assert limiter.allow_all([minute, day], now=later, cost=8) == day
    assert limiter.allow_all([minute, day], now=later, cost=7) is None
    # The minute counted those 7 (it refuses 4 more now), and a refund gives them back.
    assert limiter.allow_all([minute], now=later, cost=4) == minute
    limiter.refund(minute.key, window_seconds=60, now=later, cost=7)
    assert limiter.allow_all([minute], now=later, cost=10) is None
    # A window of a day lives with the day: the next day has room again.
    next_day = at + timedelta(days=2)
    assert limiter.allow_all([minute, day], now=next_day, cost=10) is None


CHECKS = [
    check_the_limit_holds_within_a_window,
    check_keys_are_independent,
    check_no_burst_of_twice_the_limit_across_a_window_boundary,
    check_a_use_may_cost_more_than_one,
    check_a_cost_over_the_limit_never_fits,
    check_a_refund_gives_back_what_its_window_counted,
    check_several_windows_count_all_or_nothing,
]
