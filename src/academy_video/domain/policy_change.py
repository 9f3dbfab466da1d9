"""Does a change of a student's rules take anything away from a session already playing?

A session plays under the effective policy it was given (``policy.effective_policy``). When the
video's policy or the student's grant changes, the session goes on under the new policy if that
only loosens the rules (``LOOSENED``) or changes nothing the student can do (``UNCHANGED``), and
stops (``policy_changed``) if it tightens them (``TIGHTENED``): a mixed change is a tightening.

Each field is ordered as the student gains from it, and a change that moves no field down
takes nothing away from what ``judge_event`` accepts (a property test holds this):
- seeking: ``allow_seek`` true is looser; the seek mode ``blocked`` < ``bounded_forward`` <
  ``free`` (the promotion ``once`` → ``free`` is a loosening); between two bounded modes, a
  longer grace is looser and another forward limit is a tightening. (On a video without
  seeking, the seed's ``free`` mode lets the player seek nowhere where ``bounded_forward`` let
  it seek back within what was watched; the server judges every reported seek a violation in
  both, and a new session after the promotion gets the same, so the promotion still goes on.)
- speed: the control (``ui_control``) given is looser, and a higher cap (``playback_rate.max``);
- the watermark: removing it is a loosening, adding it a tightening. The overlay is drawn by the
  player, so an instructor's "watermark on" is enforced only by a new session (an old client
  ignores a policy handed to it mid-session); hiding it asks nothing of the player and harms no
  one if an old client keeps drawing it;
- concurrency: higher limits are looser;
- the blocked rule (``None``: the student may no longer play) is a tightening;
- any other field that changed (one this rule does not know how to order) is a tightening.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .policy import GrantRules, Limits, Rule, VideoDefaults, effective_policy

Policy = dict[str, Any]


class PolicyChange(StrEnum):
    UNCHANGED = "unchanged"  # nothing the student can do changed (fields may differ)
    LOOSENED = "loosened"  # something given, nothing taken away
    TIGHTENED = "tightened"  # something taken away (perhaps something given besides)


def policy_in_force(
    video: VideoDefaults, grant: GrantRules | None, *, completed: bool, limits: Limits
) -> Policy | None:
    """The policy a session would play under now; None when the grant blocks the student
    (``access_denial``'s ``blocked``), which no effective policy expresses."""
    if grant is not None and grant.rule == Rule.BLOCKED:
        return None
    return effective_policy(video, grant, completed=completed, limits=limits)


def classify_change(before: Policy, after: Policy | None) -> PolicyChange:
    """How ``after`` compares with ``before`` for the student (the module's rule)."""
    if after is None:
        return PolicyChange.TIGHTENED
    if _unordered(before) != _unordered(after):
        return PolicyChange.TIGHTENED
    signs = {aspect(before, after) for aspect in ASPECTS}
    if -1 in signs:
        return PolicyChange.TIGHTENED
    return PolicyChange.LOOSENED if 1 in signs else PolicyChange.UNCHANGED


# Each aspect compares what the student may do: -1 less, 0 the same, 1 more.
Aspect = Callable[[Policy, Policy], int]

# The seek modes, from the least the student may do.
SEEK_MODES: dict[str, int] = {"blocked": 0, "bounded_forward": 1, "free": 2}


def _sign(before: float, after: float) -> int:
    return (after > before) - (after < before)


def _allow_seek(before: Policy, after: Policy) -> int:
    return _sign(bool(before.get("allow_seek", True)), bool(after.get("allow_seek", True)))


def _seek_mode(before: Policy, after: Policy) -> int:
    old, new = before.get("seek") or {}, after.get("seek") or {}
    if old == new:
        return 0
    rank_old, rank_new = (SEEK_MODES.get(str(s.get("mode"))) for s in (old, new))
    if rank_old is None or rank_new is None:
        return -1  # a mode this rule does not know: not comparable, so not a loosening
    if rank_old != rank_new:
        return _sign(rank_old, rank_new)
    if old.get("mode") != "bounded_forward":
        return 0  # the grace and the limit only bound the bounded mode
    if old.get("forward_limit") != new.get("forward_limit"):
        return -1  # a bound measured otherwise: not comparable
    return _sign(float(old.get("grace_seconds") or 0), float(new.get("grace_seconds") or 0))


def _rate(policy: Policy) -> dict[str, Any]:
    return policy.get("playback_rate") or {}


def _speed_cap(policy: Policy) -> float:
    return float(_rate(policy).get("max", 1.0) or 1.0)


def _speed_control(policy: Policy) -> bool:
    return bool(_rate(policy).get("ui_control", True))


def _watermark(policy: Policy) -> bool:
    return bool((policy.get("watermark") or {}).get("enabled", False))


def _limit(name: str) -> Aspect:
    def compare(before: Policy, after: Policy) -> int:
        old, new = before.get("concurrency") or {}, after.get("concurrency") or {}
        return _sign(float(old.get(name) or 0), float(new.get(name) or 0))

    return compare


ASPECTS: tuple[Aspect, ...] = (
    _allow_seek,
    _seek_mode,
    lambda b, a: _sign(_speed_control(b), _speed_control(a)),
    lambda b, a: _sign(_speed_cap(b), _speed_cap(a)),
    lambda b, a: _sign(_watermark(a), _watermark(b)),  # on is less for the student
    _limit("max_sessions"),
    _limit("max_devices"),
)

# The fields the aspects read; every other field must stay as it was.
ORDERED: dict[str, frozenset[str] | None] = {
    "allow_seek": None,  # the whole field
    "seek": None,
    "playback_rate": frozenset({"max", "ui_control"}),
    "watermark": frozenset({"enabled"}),
    "concurrency": frozenset({"max_sessions", "max_devices"}),
}


def _unordered(policy: Policy) -> Policy:
    """The policy without the fields the aspects compare."""
    rest: Policy = {}
    for name, value in policy.items():
        if name not in ORDERED:
            rest[name] = value
        elif (known := ORDERED[name]) is not None and isinstance(value, dict):
            rest[name] = {k: v for k, v in value.items() if k not in known}
    return rest
