"""What a report on a video's job may carry: a failure's or rejection's reason, a re-encode's
reason, and where a re-encode's output may be published.

Reasons are shown to staff and stored in events, so each is bounded (``MAX_REASON_LENGTH``). A
re-encode publishes under this service's prefix only, away from the output students play, and
leaves the replaced output's own prefix to be removed (``video_storage.prefix_to_remove``).
"""

from __future__ import annotations

from .errors import InvalidValue
from .video_storage import check_published, is_under, outputs_prefix

MAX_REASON_LENGTH = 2000


def bounded_reason(reason: str) -> str:
    """A reason as stored: at most ``MAX_REASON_LENGTH`` characters."""
    return reason[:MAX_REASON_LENGTH]


def failure_reason(reason: str) -> str:
    """A worker's failure reason as stored (``unknown`` when it gave none)."""
    return bounded_reason(reason or "unknown")


def reencode_reason(reason: str) -> str:
    """Why a re-encode is queued, as stored: never empty (``requested``), bounded."""
    return bounded_reason(reason.strip() or "requested")


def reencode_failure(reason: str) -> str:
    """The READY video's ``error_reason`` after a failed re-encode (until the next one)."""
    return bounded_reason(f"reencode_failed: {reason}")


def check_reencode_output(tenant: str, video_id: int, *, hls_path: str, thumbnail_key: str) -> None:
    """A re-encode's output, as any completion's (``check_published``), and published under
    this service's prefix: away from the old output it replaces."""
    check_published(tenant, video_id, hls_path=hls_path, thumbnail_key=thumbnail_key)
    own = outputs_prefix(tenant, video_id)
    if not is_under(hls_path, own):
        raise InvalidValue("hls_path", f"hls_path must be under {own}")
