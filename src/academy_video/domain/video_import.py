"""A video brought over from the old app (``import django``): what its state may be, and what
the old app's worker may still publish for it during the switchover window.

The ``Video.Imported`` event carries the old row's state; its ``max_speed`` is checked as any
policy's. An output the old worker finishes after the import is adopted only under the video's
own prefixes: this service's ``hls/…`` or the old workers' ``media/hls/…``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidValue
from .policy import check_max_speed
from .video_storage import is_under, outputs_prefix

OLD_WORKER = "old-app"  # the worker an adopted completion names


def check_imported(state: Mapping[str, Any]) -> None:
    """The old row's state, as ``Video.imported`` receives it: its speed cap within bounds."""
    check_max_speed(float(state["max_speed"]))


def check_old_output(
    tenant: str, video_id: int, *, hls_path: str, duration: float | None, thumbnail_key: str
) -> None:
    """The old worker's output names its playlist, and every key it names is the video's own."""
    own = outputs_prefix(tenant, video_id)
    for name, key in (("hls_path", hls_path), ("thumbnail_key", thumbnail_key)):
        # The old worker published under media/hls/…, this service's under hls/….
        if key and not (is_under(key, own) or is_under(key, "media/" + own)):
            raise InvalidValue(name, f"{name} must be under {own}")
    if not hls_path or (duration is not None and duration < 0):
        raise InvalidValue("hls_path", "a completed video names its playlist")
