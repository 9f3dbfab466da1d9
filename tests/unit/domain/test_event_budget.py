"""What one playback session may send: the payload cap, the total budget judged by the session
itself (a refused batch changes nothing), and the wait a per-minute refusal announces."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from academy_video.domain.event_budget import (
    WINDOW_SECONDS,
    EventBudget,
    EventBudgetExhausted,
    PayloadTooLarge,
    Window,
    payload_size,
    wait,
)
from academy_video.domain.event_budget import wait as wait_after
from academy_video.domain.playback_session import ClientEvent, SessionInactive, SessionStatus

from .builders import T0
from .test_playback_session import QUIET, RULE, SEEK, new_session

BUDGET = EventBudget(payload_max_bytes=32, per_minute=1200, total=10)


def test_a_payload_is_weighed_as_the_read_model_stores_its_json() -> None:
    assert payload_size({}) == 2
    assert payload_size({"a": 1, "b": [1, 2]}) == len('{"a": 1, "b": [1, 2]}')
    # Non-ASCII text is stored escaped, and weighs its escape: 6 bytes a character, 12 beyond
    # the BMP (a surrogate pair), not its 3 or 4 bytes of UTF-8.
    assert payload_size({"n": "한"}) == len('{"n": "\\ud55c"}') == len('{"n": ""}') + 6
    assert payload_size({"n": "😀"}) == len('{"n": ""}') + 12
    for payload in ({"a": "é" * 100}, {"deep": [{"x": "한"}] * 5}):
        assert payload_size(payload) == len(json.dumps(payload))  # exactly what is stored


def test_a_payload_over_the_cap_is_refused_by_one_byte() -> None:
    at_cap = {"x": "y" * (32 - len('{"x": ""}'))}
    assert payload_size(at_cap) == 32
    BUDGET.check_payload(at_cap)
    with pytest.raises(PayloadTooLarge, match="event_payload_too_large"):
        BUDGET.check_payload({"x": at_cap["x"] + "y"})
    with pytest.raises(PayloadTooLarge):  # multibyte text weighs its bytes
        BUDGET.check_payload({"x": "한" * 10})
    EventBudget(payload_max_bytes=0).check_payload({"x": "y" * 100_000})  # 0: no cap


def test_batches_fill_the_total_and_the_one_that_would_cross_it_is_refused_whole() -> None:
    session = new_session()
    session.report_events([QUIET] * 6, now=T0, rule=RULE, budget=BUDGET)
    version = session.version
    with pytest.raises(EventBudgetExhausted, match="event_budget_exhausted"):
        session.report_events([QUIET] * 5, now=T0, rule=RULE, budget=BUDGET)
    # Nothing of the refused batch: no event, no count; a batch that fits still does.
    assert (session.version, session.events_total) == (version, 6)
    assert session.report_events([QUIET] * 4, now=T0, rule=RULE, budget=BUDGET).stored == 4
    assert session.events_total == 10
    with pytest.raises(EventBudgetExhausted):
        session.report_events([QUIET], now=T0, rule=RULE, budget=BUDGET)
    assert session.report_events([], now=T0, rule=RULE, budget=BUDGET).stored == 0


def test_a_refused_batch_counts_nothing_towards_revocation() -> None:
    """Three seek violations revoke a session; refused for the budget, they count for nothing."""
    session = new_session()
    session.report_events([QUIET] * 8, now=T0, rule=RULE, budget=BUDGET)
    with pytest.raises(EventBudgetExhausted):
        session.report_events([SEEK] * 3, now=T0, rule=RULE, budget=BUDGET)
    assert (session.status, session.violations_total) == (SessionStatus.ACTIVE, 0)


def test_an_ended_session_says_so_before_its_budget() -> None:
    session = new_session()
    session.report_events([QUIET] * 10, now=T0, rule=RULE, budget=BUDGET)
    session.end(now=T0)
    with pytest.raises(SessionInactive):
        session.report_events([QUIET], now=T0, rule=RULE, budget=BUDGET)


@pytest.mark.parametrize(
    ("into", "batch", "wait"),
    [
        (0, 200, 60 + 10 + 1),  # the whole minute, then a sixth of the next
        (30, 200, 30 + 10 + 1),
        (59.5, 1200, 1 + 60 + 1),  # a full window's worth: the previous minute must be gone
        (12.25, 1, 48 + 1),  # 47.75 + 0.05, rounded up, plus one
    ],
)
def test_the_wait_after_a_per_minute_refusal(into: float, batch: int, wait: int) -> None:
    now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=into)
    minute = Window("", BUDGET.per_minute, WINDOW_SECONDS)
    assert wait_after(minute, batch, now) == wait


def test_the_unlimited_budget_refuses_nothing() -> None:
    session = new_session()
    session.report_events([ClientEvent("FOCUS_LOST")] * 50_000, now=T0, rule=RULE)
    assert session.events_total == 50_000


def test_a_students_windows_share_one_tag_and_a_zero_limit_is_no_window() -> None:
    budget = EventBudget(per_minute=1200, per_day=20_000)
    minute, day = budget.windows("demo", 7)
    assert (minute.limit, minute.seconds, day.limit, day.seconds) == (1200, 60, 20_000, 86_400)
    tag = "{t:demo:u:7}"
    assert tag in minute.key and tag in day.key and minute.key != day.key
    assert {w.key for w in budget.windows("other", 7)}.isdisjoint({minute.key, day.key})
    assert [w.seconds for w in EventBudget(per_day=5).windows("demo", 7)] == [86_400]
    assert EventBudget().windows("demo", 7) == []


def test_a_day_refusal_waits_for_the_day_to_make_room() -> None:
    day = EventBudget(per_day=100).windows("demo", 7)[0]
    at_noon = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    # The rest of today, then 10 % of tomorrow (when yesterday's weight has dropped by 10).
    assert wait(day, 10, at_noon) == 12 * 3600 + 8640 + 1
