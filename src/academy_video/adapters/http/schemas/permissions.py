"""Permissions: one student's rule for one video, set one at a time or in bulk."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from .common import Id, Input, RuleName, Speed


class PermissionFields(Input):
    rule: RuleName | UnsetType = UNSET
    allow_skip_override: bool | UnsetType | None = UNSET
    max_speed_override: Speed | UnsetType | None = UNSET
    show_watermark_override: bool | UnsetType | None = UNSET
    block_seek: bool | UnsetType = UNSET
    block_speed_control: bool | UnsetType = UNSET
    # Accepted for compatibility and ignored: a rule an instructor sets is always an override.
    is_override: bool | UnsetType = UNSET
    # May be repeated on update, but a permission cannot move to another video or student.
    video: Id | UnsetType = UNSET
    enrollment: Id | UnsetType = UNSET


class PermissionIn(Input, kw_only=True):
    video: Id
    enrollment: Id
    rule: RuleName = "once"  # the seed's model default (and bulk_set's)
    allow_skip_override: bool | None = None
    max_speed_override: Speed | None = None
    show_watermark_override: bool | None = None
    block_seek: bool = False
    block_speed_control: bool = False
    is_override: bool = False  # as the old model's default; an update keeps it as it is


class PermissionOut(Struct):
    id: int
    video: int
    enrollment: int
    student_name: str
    rule: str
    allow_skip_override: bool | None
    max_speed_override: float | None
    show_watermark_override: bool | None
    block_seek: bool
    block_speed_control: bool
    is_override: bool


class BulkSetIn(Input):
    video_id: Id
    enrollments: Annotated[list[Id], Meta(max_length=1000)]
    rule: RuleName = "once"
