"""The old app's playback policy of a student, as its permission and stats views computed it
(``views/playback_mixin.py: _effective_policy``, ``services/video_stats.py``): restated on
purpose, not imported from ``domain/`` (see ``old_rules.py``)."""

from __future__ import annotations

from typing import Any, Final

Row = dict[str, Any]

RULE_FIELDS: Final = (
    "rule",
    "allow_skip_override",
    "max_speed_override",
    "show_watermark_override",
    "block_seek",
    "block_speed_control",
)


def effective_rule(rule: str, completed: bool) -> str:
    """services/video_stats.py: ``once`` + completed ⇒ ``free``."""
    return "free" if rule == "once" and completed else rule


def effective_policy(video: Row, perm: Row | None, *, completed: bool) -> Row:
    """views/playback_mixin.py: _effective_policy, without ``concurrency`` (the old settings')."""
    allow_seek = bool(video["allow_skip"])
    max_rate = float(video["max_speed"] or 1.0)
    watermark = bool(video["show_watermark"])
    ui_speed_control = True
    seek: Row = {"mode": "free", "forward_limit": None, "grace_seconds": 3}
    if perm:
        if perm["allow_skip_override"] is not None:
            allow_seek = bool(perm["allow_skip_override"])
        if perm["max_speed_override"] is not None:
            max_rate = float(perm["max_speed_override"])
        if perm["show_watermark_override"] is not None:
            watermark = bool(perm["show_watermark_override"])
        if perm["rule"] == "once" and not completed:
            seek = {"mode": "bounded_forward", "forward_limit": "max_watched", "grace_seconds": 3}
        if perm["block_seek"]:
            allow_seek = False
            seek = {"mode": "blocked"}
        if perm["block_speed_control"]:
            ui_speed_control = False
            max_rate = 1.0
    return {
        "allow_seek": allow_seek,
        "seek": seek,
        "playback_rate": {"max": max_rate, "ui_control": ui_speed_control},
        "watermark": {"enabled": watermark, "mode": "overlay", "fields": ["user_id"]},
    }
