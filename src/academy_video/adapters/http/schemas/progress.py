"""Watch progress as staff read and correct it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from .common import Id, Input


class ProgressPatch(Input):
    progress: Annotated[float, Meta(ge=0, le=1)] | UnsetType = UNSET
    completed: bool | UnsetType = UNSET
    last_position: Annotated[float, Meta(ge=0, le=1e7)] | UnsetType = UNSET
    # Repeated by clients that send the whole object back; they must match.
    video: Id | UnsetType = UNSET
    enrollment: Id | UnsetType = UNSET


class ProgressOut(Struct):
    id: int
    video: int
    enrollment: int
    student_name: str
    progress: float
    progress_percent: float
    last_position: int  # whole seconds, truncated, as the old app's IntegerField
    completed: bool
    updated_at: datetime
