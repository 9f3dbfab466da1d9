"""Where a video's files live in storage: its published outputs and its AES key.

A worker reports where it published; only the video's own prefixes are accepted, as deleting the
video removes what is under them (and a thumbnail is signed for everyone). A video has two: this
service's workers publish under ``hls/{tenant}/videos/{id}/``, the old app's under
``media/hls/{tenant}/videos/{id}/`` (its serializer's READY thumbnail lives there too).
"""

from __future__ import annotations

import re

from .errors import DomainError, InvalidValue
from .video_status import CannotReencode

# What a published key may be made of: the characters of this service's and the old workers'
# keys, nothing a URL or a shell would read otherwise (``%``, ``?``, ``#``, ``\``, spaces, …).
_KEY = re.compile(r"[A-Za-z0-9._\-/]{1,1024}")
FALLBACK_THUMBNAIL = "thumbnail.jpg"  # the old serializer's READY fallback, under the outputs


def outputs_prefix(tenant: str, video_id: int) -> str:
    """Where a video's HLS ladder and thumbnail are published (public through the edge)."""
    return f"hls/{tenant}/videos/{video_id}/"


def legacy_outputs_prefix(tenant: str, video_id: int) -> str:
    """Where the old app's workers published a video's outputs."""
    return f"media/{outputs_prefix(tenant, video_id)}"


def own_prefixes(tenant: str, video_id: int) -> tuple[str, str]:
    """Every prefix a completion may publish under (and a deletion empties)."""
    return outputs_prefix(tenant, video_id), legacy_outputs_prefix(tenant, video_id)


def published_prefix(tenant: str, video_id: int, hls_path: str) -> str:
    """The own prefix the video's playlist was published under (this service's by default)."""
    for prefix in own_prefixes(tenant, video_id):
        if is_under(hls_path, prefix):
            return prefix
    return outputs_prefix(tenant, video_id)


def fallback_thumbnail(tenant: str, video_id: int, hls_path: str) -> str:
    """The thumbnail of a READY video whose worker named none, beside its playlist: for the
    old workers' videos, exactly the old serializer's
    ``media/hls/{tenant}/videos/{id}/thumbnail.jpg``."""
    return published_prefix(tenant, video_id, hls_path) + FALLBACK_THUMBNAIL


def prefix_to_remove(tenant: str, video_id: int, *, replaced: str, published: str) -> str:
    """What a re-encode leaves behind once its output (``published``) replaces the one students
    played (``replaced``): the own prefix the old output was under, or ``""`` when that is where
    the new one is, or it was nowhere of its own (nothing then is removed)."""
    old = published_prefix(tenant, video_id, replaced)
    if not replaced or not is_under(replaced, old) or is_under(published, old):
        return ""
    return old


def key_object(tenant: str, video_id: int) -> str:
    """Where a video's AES-128 key is kept: outside the public ``hls/`` prefix."""
    return f"keys/{tenant}/videos/{video_id}/aes.key"


def check_published(tenant: str, video_id: int, *, hls_path: str, thumbnail_key: str) -> None:
    """A completed video names its playlist, and every key it names is under one of its own
    prefixes (``own_prefixes``)."""
    if not hls_path:
        raise DomainError("hls_path_required", "hls_path required")
    prefixes = own_prefixes(tenant, video_id)
    for name, key in (("hls_path", hls_path), ("thumbnail_key", thumbnail_key)):
        if key and not any(is_under(key, prefix) for prefix in prefixes):
            raise InvalidValue(name, f"{name} must be under {' or '.join(prefixes)}")


def check_reencodable(tenant: str, video_id: int, hls_path: str) -> None:
    """A re-encode publishes under ``outputs_prefix`` (emptying it first), so the output students
    play must be elsewhere: the old workers' prefix, or none of its own."""
    if is_under(hls_path, outputs_prefix(tenant, video_id)):
        raise CannotReencode(
            "reencode_in_place",
            "the video already plays this service's ladder; a re-encode would publish over it",
        )


def is_under(key: str, prefix: str) -> bool:
    """``key`` names an object below ``prefix``: plain characters only (no ``%``-encoding or
    backslash to smuggle a ``..`` past this check), and no empty, ``.`` or ``..`` segment."""
    if not key.startswith(prefix) or _KEY.fullmatch(key) is None:
        return False
    return all(segment not in ("", ".", "..") for segment in key.split("/"))
