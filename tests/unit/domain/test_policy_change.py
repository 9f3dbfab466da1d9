"""Whether changed rules take anything away from a session already playing: every field in
both directions, then properties over policies the seed's rule computes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy_video.domain.policy import (
    ClientEventType,
    GrantRules,
    Limits,
    Rule,
    VideoDefaults,
    effective_policy,
    judge_event,
)
from academy_video.domain.policy_change import PolicyChange, classify_change, policy_in_force

LOOSENED, TIGHTENED, UNCHANGED = (
    PolicyChange.LOOSENED,
    PolicyChange.TIGHTENED,
    PolicyChange.UNCHANGED,
)
LIMITS = Limits(max_sessions=2, max_devices=3)
BOUNDED = {"mode": "bounded_forward", "forward_limit": "max_watched", "grace_seconds": 3}
FREE_SEEK = {"mode": "free", "forward_limit": None, "grace_seconds": 3}


def base() -> dict[str, Any]:
    """A once grant on a video without seeking, 1.5× cap, watermark on."""
    return effective_policy(
        VideoDefaults(allow_skip=False, max_speed=1.5, show_watermark=True),
        GrantRules(rule=Rule.ONCE),
        completed=False,
        limits=LIMITS,
    )


def changed(path: str, value: Any) -> dict[str, Any]:
    policy = copy.deepcopy(base())
    *parents, leaf = path.split(".")
    node = policy
    for name in parents:
        node = node[name]
    node[leaf] = value
    return policy


# (field, a value the student gains from, compared with base())
LOOSER = [
    ("allow_seek", True),
    ("seek", FREE_SEEK),  # once → free
    ("seek.grace_seconds", 10),
    ("playback_rate.max", 2.0),
    ("watermark.enabled", False),
    ("concurrency.max_sessions", 5),
    ("concurrency.max_devices", 4),
]
TIGHTER = [
    ("seek", {"mode": "blocked"}),
    ("seek.grace_seconds", 0),
    ("seek.forward_limit", "last_position"),  # a bound measured otherwise: not comparable
    ("playback_rate.max", 1.25),
    ("playback_rate.ui_control", False),
    ("concurrency.max_sessions", 1),
    ("concurrency.max_devices", 1),
]


@pytest.mark.parametrize(("path", "value"), LOOSER)
def test_a_field_moved_the_students_way_loosens_and_back_tightens(path: str, value: Any) -> None:
    assert classify_change(base(), changed(path, value)) == LOOSENED
    assert classify_change(changed(path, value), base()) == TIGHTENED


@pytest.mark.parametrize(("path", "value"), TIGHTER)
def test_a_field_taken_away_tightens_and_back_loosens(path: str, value: Any) -> None:
    assert classify_change(base(), changed(path, value)) == TIGHTENED
    if path != "seek.forward_limit":  # incomparable both ways
        assert classify_change(changed(path, value), base()) == LOOSENED


def test_the_same_policy_is_unchanged() -> None:
    assert classify_change(base(), base()) == UNCHANGED


def test_a_mixed_change_is_a_tightening() -> None:
    mixed = changed("playback_rate.max", 4.0)
    mixed["watermark"]["enabled"] = False
    mixed["allow_seek"] = True
    mixed["concurrency"]["max_devices"] = 1  # one thing taken away among three given
    assert classify_change(base(), mixed) == TIGHTENED


def test_adding_the_watermark_tightens_removing_it_loosens() -> None:
    """The overlay is the player's: only a new session enforces an instructor's "on"."""
    off = changed("watermark.enabled", False)
    assert classify_change(off, base()) == TIGHTENED
    assert classify_change(base(), off) == LOOSENED


def test_the_blocked_rule_tightens_whatever_came_before() -> None:
    video = VideoDefaults(allow_skip=True, max_speed=2.0, show_watermark=False)
    blocked = policy_in_force(video, GrantRules(rule=Rule.BLOCKED), completed=True, limits=LIMITS)
    assert blocked is None
    assert classify_change(base(), blocked) == TIGHTENED


def test_an_unknown_field_or_mode_that_changed_is_a_tightening() -> None:
    assert classify_change(base(), {**base(), "new_rule": 1}) == TIGHTENED
    assert classify_change(base(), changed("watermark.mode", "corner")) == TIGHTENED
    assert classify_change(base(), changed("seek", {"mode": "teleport"})) == TIGHTENED
    assert classify_change(changed("seek", {"mode": "teleport"}), base()) == TIGHTENED


def test_fields_that_do_not_bound_the_mode_in_force_change_nothing() -> None:
    free = changed("seek", FREE_SEEK)
    assert classify_change(free, changed("seek", {**FREE_SEEK, "grace_seconds": 0})) == UNCHANGED


def test_completing_a_once_video_loosens_even_on_a_video_without_seeking() -> None:
    """The seed's ``free`` mode with allow_seek false seeks nowhere in the player, where
    ``bounded_forward`` sought back; the server judges every reported seek a violation in
    both, and a new session would get the same: the promotion goes on."""
    video = VideoDefaults(allow_skip=False, max_speed=1.0, show_watermark=True)
    once = GrantRules(rule=Rule.ONCE)
    before = effective_policy(video, once, completed=False, limits=LIMITS)
    promoted = effective_policy(video, GrantRules(rule=Rule.FREE), completed=True, limits=LIMITS)
    assert effective_policy(video, once, completed=True, limits=LIMITS) == promoted
    assert classify_change(before, promoted) == LOOSENED


def test_the_speed_control_blocked_or_unblocked() -> None:
    video = VideoDefaults(allow_skip=True, max_speed=2.0, show_watermark=False)
    given_ = effective_policy(video, GrantRules(rule=Rule.FREE), completed=False, limits=LIMITS)
    blocked = effective_policy(
        video, GrantRules(rule=Rule.FREE, block_speed_control=True), completed=False, limits=LIMITS
    )
    assert classify_change(given_, blocked) == TIGHTENED
    assert classify_change(blocked, given_) == LOOSENED


# Properties over the policies the seed's rule computes ------------------------------------

videos = st.builds(
    VideoDefaults,
    allow_skip=st.booleans(),
    max_speed=st.sampled_from([0.5, 1.0, 1.5, 2.0]),
    show_watermark=st.booleans(),
)
grants = st.none() | st.builds(
    GrantRules,
    rule=st.sampled_from([Rule.FREE, Rule.ONCE]),
    allow_skip_override=st.none() | st.booleans(),
    max_speed_override=st.none() | st.sampled_from([0.75, 1.0, 2.0]),
    show_watermark_override=st.none() | st.booleans(),
    block_seek=st.booleans(),
    block_speed_control=st.booleans(),
)
limits = st.builds(Limits, max_sessions=st.integers(1, 3), max_devices=st.integers(1, 3))
policies = st.builds(
    lambda v, g, c, lim: effective_policy(v, g, completed=c, limits=lim),
    videos,
    grants,
    st.booleans(),
    limits,
)


@given(policies, policies)
def test_a_change_and_its_reverse_are_never_both_loosenings(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    there, back = classify_change(a, b), classify_change(b, a)
    assert (there == UNCHANGED) == (back == UNCHANGED)
    assert not (there == LOOSENED and back == LOOSENED)
    if there == LOOSENED:
        assert back == TIGHTENED
    if a == b:
        assert there == UNCHANGED


@given(policies, policies, policies)
def test_changes_that_take_nothing_away_add_up_to_one_that_takes_nothing(
    a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]
) -> None:
    if classify_change(a, b) != TIGHTENED and classify_change(b, c) != TIGHTENED:
        assert classify_change(a, c) != TIGHTENED


@given(policies, policies)
def test_what_the_server_accepted_it_still_accepts_after_a_loosening(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    """The link to judge_event: after a change that takes nothing away, no player event that
    was not a violation becomes one."""
    if classify_change(a, b) == TIGHTENED:
        return
    for event_type in ClientEventType:
        if judge_event(event_type, b)[0]:
            assert judge_event(event_type, a)[0], event_type


@given(videos, grants, limits)
def test_completing_the_video_never_tightens(
    video: VideoDefaults, grant: GrantRules | None, lim: Limits
) -> None:
    before = effective_policy(video, grant, completed=False, limits=lim)
    after = effective_policy(video, grant, completed=True, limits=lim)
    assert classify_change(before, after) != TIGHTENED
