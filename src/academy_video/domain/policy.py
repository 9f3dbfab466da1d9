"""Playback rules as pure functions: one place for each rule the seed scattered over its views.

- effective_policy: the effective policy as the contract defines it, odd parts included.
- judge_event: the violations the contract lists for ``POST /playback/events/``.
- should_revoke: violated ≥ threshold, or violated/total ≥ ratio.
- event_score / severity: the two weight tables differ on purpose (see the contract).
- effective_rule / access_denial: once→free after completion; who may start playback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from .errors import InvalidValue


class Rule(StrEnum):
    FREE = "free"
    ONCE = "once"
    BLOCKED = "blocked"


class ClientEventType(StrEnum):
    VISIBILITY_HIDDEN = "VISIBILITY_HIDDEN"
    VISIBILITY_VISIBLE = "VISIBILITY_VISIBLE"
    FOCUS_LOST = "FOCUS_LOST"
    FOCUS_GAINED = "FOCUS_GAINED"
    SEEK_ATTEMPT = "SEEK_ATTEMPT"
    SPEED_CHANGE_ATTEMPT = "SPEED_CHANGE_ATTEMPT"
    FULLSCREEN_ENTER = "FULLSCREEN_ENTER"
    FULLSCREEN_EXIT = "FULLSCREEN_EXIT"
    PLAYER_ERROR = "PLAYER_ERROR"


MAX_SPEED_LIMIT: Final = 16.0
SEEK_GRACE_SECONDS: Final = 3


@dataclass(frozen=True)
class VideoDefaults:
    """A video's own playback policy (what applies when no grant overrides it)."""

    allow_skip: bool = False
    max_speed: float = 1.0
    show_watermark: bool = True


@dataclass(frozen=True)
class GrantRules:
    """One student's rule for one video, with the overrides and the two hard blocks."""

    rule: Rule = Rule.ONCE
    allow_skip_override: bool | None = None
    max_speed_override: float | None = None
    show_watermark_override: bool | None = None
    block_seek: bool = False
    block_speed_control: bool = False


@dataclass(frozen=True)
class Limits:
    max_sessions: int
    max_devices: int


def check_max_speed(value: float) -> float:
    """max_speed must be a positive rate no higher than 16×."""
    if isinstance(value, bool) or not 0 < float(value) <= MAX_SPEED_LIMIT:
        raise InvalidValue("max_speed", f"max_speed must be in (0, {MAX_SPEED_LIMIT:g}]")
    return float(value)


def effective_policy(
    video: VideoDefaults, grant: GrantRules | None, *, completed: bool, limits: Limits
) -> dict[str, Any]:
    """The policy a player must apply, exactly as the seed computed it.

    With no grant the seek mode stays ``free`` while ``allow_seek`` follows the video: the seed's
    quirk, kept because judge_event reads both.
    """
    allow_seek = bool(video.allow_skip)
    max_rate = float(video.max_speed or 1.0)
    watermark = bool(video.show_watermark)
    ui_speed_control = True
    seek: dict[str, Any] = {
        "mode": "free",
        "forward_limit": None,
        "grace_seconds": SEEK_GRACE_SECONDS,
    }
    if grant is not None:
        if grant.allow_skip_override is not None:
            allow_seek = grant.allow_skip_override
        if grant.max_speed_override is not None:
            max_rate = float(grant.max_speed_override)
        if grant.show_watermark_override is not None:
            watermark = grant.show_watermark_override
        if effective_rule(grant.rule, completed) == Rule.ONCE:  # once, not yet relaxed
            seek = {
                "mode": "bounded_forward",
                "forward_limit": "max_watched",
                "grace_seconds": SEEK_GRACE_SECONDS,
            }
        if grant.block_seek:
            allow_seek = False
            seek = {"mode": "blocked"}
        if grant.block_speed_control:
            ui_speed_control = False
            max_rate = 1.0
    return {
        "allow_seek": allow_seek,
        "seek": seek,
        "playback_rate": {"max": max_rate, "ui_control": ui_speed_control},
        "watermark": {"enabled": watermark, "mode": "overlay", "fields": ["user_id"]},
        "concurrency": {"max_sessions": limits.max_sessions, "max_devices": limits.max_devices},
    }


def max_playback_rate(policy: dict[str, Any]) -> float:
    return float((policy.get("playback_rate") or {}).get("max") or 1.0)


def judge_event(event_type: str, policy: dict[str, Any]) -> tuple[bool, str]:
    """Is this client event a violation of the policy, and why (the contract's violations)."""
    if event_type == ClientEventType.SEEK_ATTEMPT:
        seek = policy.get("seek") or {}
        mode = seek.get("mode")
        if not policy.get("allow_seek", True) or mode in ("blocked", "bounded_forward"):
            return True, f"seek_{mode or 'blocked'}"
    if event_type == ClientEventType.SPEED_CHANGE_ATTEMPT:
        rate = policy.get("playback_rate") or {}
        if not rate.get("ui_control", True) or float(rate.get("max", 1.0) or 1.0) <= 1.0:
            return True, "speed_blocked"
    return False, ""


def should_revoke(*, violated: int, total: int, threshold: int, ratio: float) -> bool:
    """Revoke once violations reach the threshold or their share of all events reaches ratio."""
    if violated >= threshold:
        return True
    return total > 0 and violated / total >= ratio


# The score, severity and effective rule are data below (tables, factors, a map) that
# adapters/sql/rules.py builds its SQL from: the database aggregates with these, not a copy.

# Summary, risk and CSV export: every known type has a weight, the quiet ones weigh 0.
ANALYTICS_WEIGHTS: Final[dict[str, int]] = {
    "VISIBILITY_HIDDEN": 1,
    "VISIBILITY_VISIBLE": 0,
    "FOCUS_LOST": 2,
    "FOCUS_GAINED": 0,
    "SEEK_ATTEMPT": 3,
    "SPEED_CHANGE_ATTEMPT": 3,
    "FULLSCREEN_ENTER": 0,
    "FULLSCREEN_EXIT": 0,
    "PLAYER_ERROR": 1,
}
# The events list: only five types are listed, every other type weighs 1 (the seed's serializer).
LIST_WEIGHTS: Final[dict[str, int]] = {
    "VISIBILITY_HIDDEN": 1,
    "FOCUS_LOST": 2,
    "SEEK_ATTEMPT": 3,
    "SPEED_CHANGE_ATTEMPT": 3,
    "PLAYER_ERROR": 1,
}
UNLISTED_WEIGHT: Final = 1  # a type the table lacks
VIOLATION_FACTOR: Final = 2  # a violation doubles the weight
REASON_BONUS: Final = 1  # a stated violation reason adds this


class Severity(StrEnum):
    DANGER = "danger"  # any violation
    WARN = "warn"  # a WARN_TYPES event that violated nothing
    INFO = "info"


WARN_TYPES: Final = frozenset({"SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT", "FOCUS_LOST"})


def event_score(event_type: str, violated: bool, reason: str, weights: dict[str, int]) -> int:
    """Weight of the type (UNLISTED_WEIGHT if the table lacks it), × VIOLATION_FACTOR if
    violated, + REASON_BONUS if there is a reason."""
    score = weights.get(event_type, UNLISTED_WEIGHT)
    if violated:
        score *= VIOLATION_FACTOR
    if reason:
        score += REASON_BONUS
    return score


def severity(event_type: str, violated: bool) -> Severity:
    if violated:
        return Severity.DANGER
    return Severity.WARN if event_type in WARN_TYPES else Severity.INFO


# What completing the video turns a rule into: ``once`` behaves as ``free`` from then on.
RELAXED_ON_COMPLETION: Final[dict[Rule, Rule]] = {Rule.ONCE: Rule.FREE}
NO_GRANT_RULE: Final = Rule.FREE  # a student without an active grant plays freely


def effective_rule(rule: Rule | str, completed: bool) -> Rule:
    """The rule that applies: RELAXED_ON_COMPLETION once the student has completed the video."""
    rule = Rule(rule)
    return RELAXED_ON_COMPLETION.get(rule, rule) if completed else rule


def access_denial(
    *,
    enrolled: bool,
    session_access: bool,
    ready: bool,
    rule: Rule | None,
    not_enrolled: str = "enrollment_mismatch",
) -> str | None:
    """The first reason a student may not play a video, in the seed's order; None if allowed.

    No grant plays as ``NO_GRANT_RULE``; ``once`` never blocks access, it only bounds seeking.
    """
    if not enrolled:
        return not_enrolled
    if not session_access:
        return "no_session_access"
    if not ready:
        return "video_not_ready"
    if (NO_GRANT_RULE if rule is None else rule) == Rule.BLOCKED:
        return "blocked"
    return None
