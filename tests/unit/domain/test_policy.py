"""The seed's playback rules, pinned value by value."""

from typing import Any, TypedDict

import pytest

from academy_video.domain.policy import (
    ANALYTICS_WEIGHTS,
    LIST_WEIGHTS,
    GrantRules,
    Limits,
    Rule,
    VideoDefaults,
    access_denial,
    effective_policy,
    effective_rule,
    event_score,
    judge_event,
    severity,
    should_revoke,
)

LIMITS = Limits(max_sessions=2, max_devices=3)
FREE_SEEK = {"mode": "free", "forward_limit": None, "grace_seconds": 3}
BOUNDED = {"mode": "bounded_forward", "forward_limit": "max_watched", "grace_seconds": 3}


def policy(
    video: VideoDefaults, grant: GrantRules | None = None, completed: bool = False
) -> dict[str, Any]:
    return effective_policy(video, grant, completed=completed, limits=LIMITS)


def test_without_a_grant_the_video_defaults_apply_and_seek_mode_stays_free() -> None:
    result = policy(VideoDefaults(allow_skip=False, max_speed=1.5, show_watermark=True))
    assert result == {
        "allow_seek": False,
        "seek": FREE_SEEK,
        "playback_rate": {"max": 1.5, "ui_control": True},
        "watermark": {"enabled": True, "mode": "overlay", "fields": ["user_id"]},
        "concurrency": {"max_sessions": 2, "max_devices": 3},
    }


def test_overrides_replace_the_video_defaults() -> None:
    grant = GrantRules(
        rule=Rule.FREE,
        allow_skip_override=True,
        max_speed_override=2.0,
        show_watermark_override=False,
    )
    result = policy(VideoDefaults(False, 1.0, True), grant)
    assert result["allow_seek"] is True
    assert result["seek"] == FREE_SEEK
    assert result["playback_rate"] == {"max": 2.0, "ui_control": True}
    assert result["watermark"]["enabled"] is False


def test_once_bounds_seeking_to_the_max_watched_until_completed() -> None:
    grant = GrantRules(rule=Rule.ONCE, allow_skip_override=True)
    assert policy(VideoDefaults(), grant, completed=False)["seek"] == BOUNDED
    assert policy(VideoDefaults(), grant, completed=True)["seek"] == FREE_SEEK


def test_block_seek_wins_over_everything() -> None:
    grant = GrantRules(rule=Rule.ONCE, allow_skip_override=True, block_seek=True)
    result = policy(VideoDefaults(allow_skip=True), grant)
    assert result["allow_seek"] is False
    assert result["seek"] == {"mode": "blocked"}


def test_block_speed_control_caps_the_rate_at_one_and_hides_the_control() -> None:
    grant = GrantRules(rule=Rule.FREE, max_speed_override=2.0, block_speed_control=True)
    assert policy(VideoDefaults(max_speed=2.0), grant)["playback_rate"] == {
        "max": 1.0,
        "ui_control": False,
    }


def test_a_zero_speed_falls_back_to_one() -> None:
    assert policy(VideoDefaults(max_speed=0))["playback_rate"]["max"] == 1.0


@pytest.mark.parametrize(
    ("allow_seek", "seek", "expected"),
    [
        (True, FREE_SEEK, (False, "")),
        (False, FREE_SEEK, (True, "seek_free")),
        (True, BOUNDED, (True, "seek_bounded_forward")),
        (False, {"mode": "blocked"}, (True, "seek_blocked")),
        (False, {}, (True, "seek_blocked")),
    ],
)
def test_seek_attempts_are_violations_unless_seeking_is_free_and_allowed(
    allow_seek: bool, seek: dict[str, Any], expected: tuple[bool, str]
) -> None:
    assert judge_event("SEEK_ATTEMPT", {"allow_seek": allow_seek, "seek": seek}) == expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ({"max": 2.0, "ui_control": True}, (False, "")),
        ({"max": 1.0, "ui_control": True}, (True, "speed_blocked")),
        ({"max": 2.0, "ui_control": False}, (True, "speed_blocked")),
        ({"max": 0.5, "ui_control": True}, (True, "speed_blocked")),
    ],
)
def test_speed_change_attempts_are_violations_when_the_rate_is_capped_at_one(
    rate: dict[str, Any], expected: tuple[bool, str]
) -> None:
    assert judge_event("SPEED_CHANGE_ATTEMPT", {"playback_rate": rate}) == expected


@pytest.mark.parametrize("event_type", ["VISIBILITY_HIDDEN", "FOCUS_LOST", "PLAYER_ERROR"])
def test_other_events_are_never_violations(event_type: str) -> None:
    strict = policy(VideoDefaults(), GrantRules(block_seek=True, block_speed_control=True))
    assert judge_event(event_type, strict) == (False, "")


@pytest.mark.parametrize(
    ("violated", "total", "revoke"),
    [
        (2, 10, False),
        (3, 100, True),  # the threshold
        (1, 2, True),  # the ratio, exactly 0.5
        (1, 3, False),
        (0, 0, False),
    ],
)
def test_revoke_at_the_threshold_or_the_ratio(violated: int, total: int, revoke: bool) -> None:
    assert should_revoke(violated=violated, total=total, threshold=3, ratio=0.5) is revoke


def test_scoring_of_a_constructed_history_matches_the_seed() -> None:
    # VISIBILITY_HIDDEN (1) + FOCUS_LOST (2) + a violated SEEK_ATTEMPT (3 × 2 + 1 = 7).
    history = [
        ("VISIBILITY_HIDDEN", False, ""),
        ("FOCUS_LOST", False, ""),
        ("SEEK_ATTEMPT", True, "seek_blocked"),
    ]
    assert [event_score(t, v, r, ANALYTICS_WEIGHTS) for t, v, r in history] == [1, 2, 7]
    assert sum(event_score(t, v, r, ANALYTICS_WEIGHTS) for t, v, r in history) == 10


@pytest.mark.parametrize(
    "event_type", ["VISIBILITY_VISIBLE", "FOCUS_GAINED", "FULLSCREEN_ENTER", "FULLSCREEN_EXIT"]
)
def test_the_quiet_types_weigh_zero_in_analytics_but_one_in_the_events_list(
    event_type: str,
) -> None:
    assert event_score(event_type, False, "", ANALYTICS_WEIGHTS) == 0
    assert event_score(event_type, False, "", LIST_WEIGHTS) == 1


def test_both_tables_agree_on_the_weighted_types() -> None:
    for event_type, weight in LIST_WEIGHTS.items():
        assert ANALYTICS_WEIGHTS[event_type] == weight
    assert event_score("SPEED_CHANGE_ATTEMPT", True, "speed_blocked", LIST_WEIGHTS) == 7
    assert event_score("PLAYER_ERROR", False, "", LIST_WEIGHTS) == 1


@pytest.mark.parametrize(
    ("event_type", "violated", "expected"),
    [
        ("SEEK_ATTEMPT", True, "danger"),
        ("VISIBILITY_HIDDEN", True, "danger"),
        ("SEEK_ATTEMPT", False, "warn"),
        ("SPEED_CHANGE_ATTEMPT", False, "warn"),
        ("FOCUS_LOST", False, "warn"),
        ("VISIBILITY_HIDDEN", False, "info"),
        ("PLAYER_ERROR", False, "info"),
        ("FULLSCREEN_ENTER", False, "info"),
    ],
)
def test_severity(event_type: str, violated: bool, expected: str) -> None:
    assert severity(event_type, violated) == expected


@pytest.mark.parametrize(
    ("rule", "completed", "expected"),
    [
        ("once", True, Rule.FREE),
        ("once", False, Rule.ONCE),
        ("free", False, Rule.FREE),
        ("blocked", True, Rule.BLOCKED),
    ],
)
def test_effective_rule_promotes_once_after_completion(
    rule: str, completed: bool, expected: Rule
) -> None:
    assert effective_rule(rule, completed) == expected


class AccessFacts(TypedDict):
    enrolled: bool
    session_access: bool
    ready: bool
    rule: Rule | None


def test_access_denials_come_in_the_seeds_order() -> None:
    everything_wrong: AccessFacts = {
        "enrolled": False,
        "session_access": False,
        "ready": False,
        "rule": Rule.BLOCKED,
    }
    assert access_denial(**everything_wrong) == "enrollment_mismatch"
    assert access_denial(**everything_wrong, not_enrolled="not_enrolled") == "not_enrolled"
    assert access_denial(**(everything_wrong | {"enrolled": True})) == "no_session_access"
    assert (
        access_denial(enrolled=True, session_access=True, ready=False, rule=Rule.BLOCKED)
        == "video_not_ready"
    )
    assert (
        access_denial(enrolled=True, session_access=True, ready=True, rule=Rule.BLOCKED)
        == "blocked"
    )


@pytest.mark.parametrize("rule", [None, Rule.FREE, Rule.ONCE])
def test_no_grant_free_and_once_may_all_play(rule: Rule | None) -> None:
    assert access_denial(enrolled=True, session_access=True, ready=True, rule=rule) is None
