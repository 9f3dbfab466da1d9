"""Read-model rows → response bodies (one place for each object's JSON)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.app.config import Settings
from academy_video.app.errors import NotFound
from academy_video.app.ports import Directory
from academy_video.app.reads import Reads, Row
from academy_video.domain.video_duration import usable_duration, whole_seconds
from academy_video.domain.video_storage import fallback_thumbnail

from .schemas import PermissionOut, ProgressOut, VideoOut


def utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def video_out(row: Row, settings: Settings) -> VideoOut:
    updated = utc(row["updated_at"])
    return VideoOut(
        id=row["video_id"],
        session_id=row["session_id"],
        title=row["title"],
        file_key=row["file_key"],
        duration=whole_seconds(row["duration"]),
        order=row["order"],
        status=row["status"],
        allow_skip=row["allow_skip"],
        max_speed=row["max_speed"],
        show_watermark=row["show_watermark"],
        thumbnail=_thumbnail(settings, row["thumbnail_key"], updated),
        thumbnail_url=_thumbnail(settings, _thumbnail_key(row), updated),
        hls_path=row["hls_path"],
        hls_url=_cdn(settings, row["hls_path"], updated),
        created_at=utc(row["created_at"]),
        updated_at=updated,
        source_type="s3" if row["file_key"] else "unknown",
        error_reason=row["error_reason"],
        policy_version=row["policy_version"],
        processing_progress=row["processing_progress"],
        duration_precise=usable_duration(row["duration"]),
    )


def _thumbnail_key(row: Row) -> str:
    """The worker's thumbnail; a READY video without one has the old serializer's fallback."""
    if row["thumbnail_key"] or row["status"] != "READY":
        return str(row["thumbnail_key"])
    return fallback_thumbnail(row["tenant"], row["video_id"], row["hls_path"])


def check_nested(directory: Directory, video: VideoOut, lecture_id: int, session_id: int) -> None:
    """A video addressed through its lecture and session: both must be its own (else 404)."""
    session = directory.session(session_id)
    if video.session_id != session_id or session is None or session.lecture_id != lecture_id:
        raise NotFound()


def video_or_404(reads: Reads, settings: Settings, tenant: str, video_id: int) -> VideoOut:
    """The tenant's video as JSON (read your writes), or NotFound."""
    row = reads.video(tenant, video_id)
    if row is None:
        raise NotFound()
    return video_out(row, settings)


def _cdn(settings: Settings, path: str, updated: datetime) -> str | None:
    """The seed's cache-busted CDN URL of a stored object (None without a CDN or object)."""
    if not path or not settings.cdn_base_url:
        return None
    return f"{settings.cdn_base_url.rstrip('/')}/{path.lstrip('/')}?v={int(updated.timestamp())}"


THUMBNAIL_DAY = 86_400


def _thumbnail(settings: Settings, key: str, updated: datetime) -> str | None:
    """The thumbnail's CDN URL, signed like every media URL (the edge refuses the unsigned), for
    any user, until the end of the next UTC day: the URL stays the same all day long, so browsers
    and the CDN cache it, and it is always valid for at least a day."""
    url = _cdn(settings, key, updated)
    if url is None or not settings.cdn_signing_secret:
        return url
    expires_at = (int(time.time()) // THUMBNAIL_DAY + 2) * THUMBNAIL_DAY
    query = HmacUrlSigner(
        base_url=settings.cdn_base_url,
        secret=settings.cdn_signing_secret,
        key_id=settings.cdn_signing_key_id,
    ).query(f"/{key.lstrip('/')}", expires_at=expires_at, user_id=None)
    return f"{url}&{urlencode(query)}"


def permission_out(row: Row) -> PermissionOut:
    return PermissionOut(
        id=row["permission_id"],
        video=row["video_id"],
        enrollment=row["enrollment_id"],
        student_name=row["student_name"] or "",
        rule=row["rule"],
        allow_skip_override=row["allow_skip_override"],
        max_speed_override=row["max_speed_override"],
        show_watermark_override=row["show_watermark_override"],
        block_seek=row["block_seek"],
        block_speed_control=row["block_speed_control"],
        is_override=row["is_override"],
    )


def progress_out(row: Row) -> ProgressOut:
    return ProgressOut(
        id=row["progress_id"],
        video=row["video_id"],
        enrollment=row["enrollment_id"],
        student_name=row["student_name"] or "",
        progress=row["progress"],
        progress_percent=round(row["progress"] * 100, 1),
        last_position=int(row["last_position"]),  # whole seconds, as the old IntegerField
        completed=row["completed"],
        updated_at=utc(row["updated_at"]),
    )
