from datetime import timedelta
from typing import Any

import pytest

from academy_video.domain.playback_session import (
    ClientEvent,
    PlaybackSession,
    RevokeRule,
    SessionInactive,
    SessionStatus,
)
from academy_video.domain.policy import GrantRules, Limits, Rule, VideoDefaults, effective_policy
from tests.unit.domain.builders import T0
from tests.unit.domain.builders import new_session as started

RULE = RevokeRule(threshold=3, ratio=0.5)
STRICT = effective_policy(
    VideoDefaults(), GrantRules(rule=Rule.ONCE), completed=False, limits=Limits(2, 2)
)
SEEK = ClientEvent("SEEK_ATTEMPT")
QUIET = ClientEvent("VISIBILITY_VISIBLE")


def new_session(policy: dict[str, Any] | None = None) -> PlaybackSession:
    return started(policy or STRICT)


def test_a_batch_is_one_event_with_every_item_judged() -> None:
    session = new_session()
    version = session.version
    outcome = session.report_events(
        [SEEK, QUIET, ClientEvent("FOCUS_LOST", 1.0, {"x": 1})] + [QUIET] * 3, now=T0, rule=RULE
    )
    assert outcome.stored == 6
    assert outcome.violated == 1
    assert not outcome.revoked
    assert session.version == version + 1
    event = session.collect_events()[-1]
    assert event.items[0] == {  # type: ignore[attr-defined]
        "type": "SEEK_ATTEMPT",
        "occurred_at": T0.timestamp(),
        "payload": {},
        "violated": True,
        "reason": "seek_bounded_forward",
    }
    assert event.items[2]["occurred_at"] == T0.timestamp()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("client", "stored"),
    [
        (T0.timestamp() + 30, T0.timestamp() + 30),  # within the session: the player's time
        (T0.timestamp() + 9999, T0.timestamp() + 60),  # ahead of the server: now
        (T0.timestamp() - 3600, T0.timestamp()),  # before the session started: its start
        (-1e12, T0.timestamp()),  # no real time at all (would not even make a datetime)
        (float("nan"), T0.timestamp() + 60),
        (float("inf"), T0.timestamp() + 60),
        (None, T0.timestamp() + 60),
    ],
)
def test_a_client_time_is_kept_within_the_session_life(client: float | None, stored: float) -> None:
    session = new_session()
    now = T0 + timedelta(seconds=60)
    session.report_events([ClientEvent("FOCUS_LOST", client)], now=now, rule=RULE)
    assert session.collect_events()[-1].items[0]["occurred_at"] == stored  # type: ignore[attr-defined]


def test_violations_accumulate_across_batches_up_to_the_threshold() -> None:
    session = new_session()
    # Each batch dilutes its violation with quiet events, so only the running count can revoke.
    for _ in range(2):
        assert not session.report_events([SEEK, QUIET, QUIET], now=T0, rule=RULE).revoked
    outcome = session.report_events([SEEK, QUIET, QUIET], now=T0, rule=RULE)
    assert outcome.revoked
    assert session.status == SessionStatus.REVOKED
    assert (session.violations_total, session.events_total) == (3, 9)
    assert session.revoke_reason == "violations:seek_bounded_forward"


def test_a_high_violation_ratio_revokes_before_the_threshold() -> None:
    session = new_session()
    assert not session.report_events([QUIET, QUIET], now=T0, rule=RULE).revoked
    # 1 violation in 3 events: 0.33 < 0.5.
    assert not session.report_events([SEEK], now=T0, rule=RULE).revoked
    # 2 in 4: 0.5 reaches the ratio.
    assert session.report_events([SEEK], now=T0, rule=RULE).revoked


def test_a_free_policy_never_revokes_for_seeking() -> None:
    free = effective_policy(
        VideoDefaults(allow_skip=True, max_speed=2), None, completed=False, limits=Limits(2, 2)
    )
    session = new_session(free)
    assert not session.report_events([SEEK] * 10, now=T0, rule=RULE).revoked
    assert session.violations_total == 0


@pytest.mark.parametrize("close", ["end", "revoke", "expire"])
def test_a_closed_session_refuses_events_and_further_closing(close: str) -> None:
    session = new_session()
    if close == "end":
        session.end(now=T0)
    elif close == "revoke":
        session.revoke(reason="staff", now=T0)
    else:
        assert session.expire(now=T0)
    assert not session.is_active
    assert session.ended_at == T0
    with pytest.raises(SessionInactive, match="session_inactive"):
        session.report_events([QUIET], now=T0, rule=RULE)
    with pytest.raises(SessionInactive):
        session.end(now=T0)
    with pytest.raises(SessionInactive):
        session.revoke(reason="x", now=T0)
    # Expiry is idempotent: a closed session stays as it was.
    status = session.status
    assert not session.expire(now=T0)
    assert session.status == status


def test_an_empty_batch_records_nothing() -> None:
    session = new_session()
    version = session.version
    assert session.report_events([], now=T0, rule=RULE).stored == 0
    assert session.version == version
