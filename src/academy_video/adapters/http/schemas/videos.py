"""Videos as staff and students see them, and staff's changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from .common import Input, Speed, Title


class VideoOut(Struct):
    id: int
    session_id: int
    title: str
    file_key: str
    duration: int | None  # whole seconds, truncated, as the old app stored it
    order: int
    status: str
    allow_skip: bool
    max_speed: float
    show_watermark: bool
    thumbnail: str | None  # the old ImageField's URL: the worker's own thumbnail, no fallback
    thumbnail_url: str | None
    hls_path: str
    hls_url: str | None
    created_at: datetime
    updated_at: datetime
    source_type: str
    error_reason: str
    policy_version: int
    processing_progress: int
    duration_precise: float | None  # the measured seconds (``duration`` truncates them)


class StudentVideoOut(VideoOut):
    """A READY video as a student sees it: whether they may play it, and if not why."""

    can_play: bool
    reason: str | None  # not_enrolled | no_session_access | blocked
    enrollment_id: int | None  # the enrollment to start playback with


class VideoPatch(Input):
    """What an edit may change. The rest of a video sent back (``id``, ``status``, ``hls_path``,
    ``file_key``, ``duration``, ``session``, …) is read-only here and ignored."""

    title: Title | UnsetType = UNSET
    order: Annotated[int, Meta(ge=0, le=1_000_000)] | UnsetType = UNSET
    allow_skip: bool | UnsetType = UNSET
    max_speed: Speed | UnsetType = UNSET
    show_watermark: bool | UnsetType = UNSET
