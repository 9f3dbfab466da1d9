"""Where a video's files live in storage: its published outputs and its AES key.

A worker reports where it published; only the video's own prefix is accepted, as deleting the
video removes what is under it (and a thumbnail is signed for everyone).
"""

from __future__ import annotations

from .errors import DomainError, InvalidValue


def outputs_prefix(tenant: str, video_id: int) -> str:
    """Where a video's HLS ladder and thumbnail are published (public through the edge)."""
    return f"hls/{tenant}/videos/{video_id}/"


def key_object(tenant: str, video_id: int) -> str:
    """Where a video's AES-128 key is kept: outside the public ``hls/`` prefix."""
    return f"keys/{tenant}/videos/{video_id}/aes.key"


def check_published(tenant: str, video_id: int, *, hls_path: str, thumbnail_key: str) -> None:
    """A completed video names its playlist, and every key it names is under its own prefix."""
    if not hls_path:
        raise DomainError("hls_path_required", "hls_path required")
    prefix = outputs_prefix(tenant, video_id)
    for name, key in (("hls_path", hls_path), ("thumbnail_key", thumbnail_key)):
        if key and not is_under(key, prefix):
            raise InvalidValue(name, f"{name} must be under {prefix}")


def is_under(key: str, prefix: str) -> bool:
    """``key`` names an object below ``prefix``, with no ``..`` or backslash to climb out."""
    return key.startswith(prefix) and ".." not in key.split("/") and "\\" not in key
