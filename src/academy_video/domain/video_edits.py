"""What a staff edit of a video may change: its title and order, and its default playback
policy (a real change bumps ``policy_version``, so every token of the video goes stale)."""

from __future__ import annotations

from .errors import DomainError
from .policy import VideoDefaults, check_max_speed


def check_edit(title: str, order: int) -> None:
    """A video keeps a title and a non-negative order."""
    if not title:
        raise DomainError("title_required", "title must not be empty")
    if order < 0:
        raise DomainError("invalid_order", "order must not be negative")


def changed_defaults(
    current: VideoDefaults,
    *,
    allow_skip: bool | None,
    max_speed: float | None,
    show_watermark: bool | None,
) -> VideoDefaults:
    """The defaults an edit asks for: each field given replaces the current one (a speed cap
    checked), each omitted one stays."""
    return VideoDefaults(
        allow_skip=current.allow_skip if allow_skip is None else allow_skip,
        max_speed=current.max_speed if max_speed is None else check_max_speed(max_speed),
        show_watermark=current.show_watermark if show_watermark is None else show_watermark,
    )
