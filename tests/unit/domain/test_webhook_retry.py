"""The retry schedule of a failed webhook delivery, and when its subscription is disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from academy_video.domain.webhook_retry import (
    JITTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    SHORTEST_SPAN,
    TOTAL_SPAN,
    jittered,
    next_attempt_at,
    should_disable,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
rands = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


def test_the_schedule_is_svix_s_stretched_to_about_three_days() -> None:
    hour = timedelta(hours=1)
    assert RETRY_DELAYS[:6] == (
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        2 * hour,
        5 * hour,
        10 * hour,
    )
    assert set(RETRY_DELAYS[5:]) == {10 * hour}
    assert timedelta(hours=77, minutes=35, seconds=5) == TOTAL_SPAN
    assert MAX_ATTEMPTS == 13


def test_the_delays_never_shrink_before_jitter() -> None:
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)


def test_the_first_attempt_is_immediate_and_there_is_none_after_the_last() -> None:
    assert next_attempt_at(0, T0, 0.9) == T0
    assert next_attempt_at(MAX_ATTEMPTS - 1, T0, 0.5) is not None
    assert next_attempt_at(MAX_ATTEMPTS, T0, 0.5) is None


@given(st.integers(min_value=MAX_ATTEMPTS, max_value=10**9), rands)
def test_no_attempt_is_scheduled_once_all_were_made(attempts: int, rand: float) -> None:
    assert next_attempt_at(attempts, T0, rand) is None


@given(st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1), rands)
def test_each_retry_is_within_twenty_percent_of_its_delay(attempts: int, rand: float) -> None:
    due = next_attempt_at(attempts, T0, rand)
    assert due is not None
    nominal = RETRY_DELAYS[attempts - 1]
    assert nominal * (1 - JITTER) <= due - T0 <= nominal * (1 + JITTER)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_random_number_keeps_the_jitter_in_bounds(rand: float) -> None:
    delay = timedelta(hours=10)
    assert timedelta(hours=8) <= jittered(delay, rand) <= timedelta(hours=12)


@given(st.lists(rands, min_size=MAX_ATTEMPTS, max_size=MAX_ATTEMPTS))
def test_a_delivery_failing_every_time_is_given_up_after_60_to_84_hours(
    draws: list[float],
) -> None:
    # The receiver answers 500 to every attempt; each failure schedules the next.
    now, attempts = T0, 1
    while (due := next_attempt_at(attempts, now, draws[attempts - 1])) is not None:
        now, attempts = due, attempts + 1
    assert attempts == MAX_ATTEMPTS
    assert SHORTEST_SPAN <= now - T0 <= TOTAL_SPAN * (1 + JITTER)
    assert timedelta(hours=60) <= TOTAL_SPAN <= timedelta(hours=84)
    assert should_disable(None, T0, now)


def test_a_success_since_the_first_failure_keeps_the_subscription() -> None:
    given_up = T0 + TOTAL_SPAN
    assert should_disable(None, T0, given_up)
    assert should_disable(T0 - timedelta(seconds=1), T0, given_up)
    # Another delivery got through meanwhile: the receiver is up, this message was the trouble.
    assert not should_disable(T0 + timedelta(hours=3), T0, given_up)
    assert not should_disable(T0, T0, given_up)


def test_a_delivery_given_up_sooner_than_the_schedule_does_not_disable() -> None:
    assert not should_disable(None, T0, T0 + timedelta(minutes=5))
    assert not should_disable(None, T0, T0 + SHORTEST_SPAN - timedelta(microseconds=1))
    assert should_disable(None, T0, T0 + SHORTEST_SPAN)
