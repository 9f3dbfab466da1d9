"""Aggregates the domain tests start from, each built through its real commands: one video,
grant and session (tenant ``demo``, video 7, enrollment 3) that several test modules share, so
a command's new argument is written here once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video import Video

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
OLD = "media/hls/demo/videos/7/"  # where the old app's worker wrote video 7's HLS
NEW = "hls/demo/videos/7/"  # where this service's worker writes it


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_video(video_id: int = 7, *, file_key: str = "", **defaults: Any) -> Video:
    """Registered (PENDING), with ``defaults`` for its ``VideoDefaults``."""
    return Video.register(
        video_id=video_id,
        tenant="demo",
        session_id=10,
        title="Limits",
        file_key=file_key or "videos/demo/10/x.mp4",
        order=1,
        defaults=VideoDefaults(**defaults),
    )


def through_every_command(video: Video) -> Video:
    """A registered ``video`` taken through every command that records an event (but the
    re-encode's): rejected, uploaded, leased, failed, retried, completed, changed, deleted."""
    video.reject_upload(reason="invalid_media:no_video_stream")
    video.confirm_upload(size=10, probe={"duration": 3.0}, source_etag="abc")
    video.start_processing(worker_id="w1", now=at(0), lease_seconds=60, max_attempts=3)
    video.extend_lease(worker_id="w1", now=at(10), lease_seconds=60, progress=40)
    video.fail_processing(worker_id="w1", now=at(20), reason="decode_failed")
    video.request_retry()
    video.start_processing(worker_id="w2", now=at(30), lease_seconds=60, max_attempts=3)
    hls_path = f"hls/demo/videos/{video.video_id}/master.m3u8"
    video.complete_processing(worker_id="w2", now=at(40), hls_path=hls_path)
    video.change_policy(max_speed=1.5)
    video.edit(title="Limits, again")
    video.delete()
    return video


def old_ready(**changes: object) -> Video:
    """READY on the old app's output, as ``import django`` brings it (``changes`` to the old
    row's state: another status, no output, ...)."""
    state: dict[str, object] = {
        "video_id": 7,
        "tenant": "demo",
        "session_id": 10,
        "title": "Limits",
        "file_key": "videos/demo/10/x.mp4",
        "order": 1,
        "allow_skip": True,
        "max_speed": 2.0,
        "show_watermark": False,
        "status": "READY",
        "policy_version": 1,
        "duration": 61.0,
        "hls_path": f"{OLD}master.m3u8",
        "thumbnail_key": f"{OLD}thumbnail.jpg",
        "error_reason": "",
        **changes,
    }
    return Video.imported(source=f"video_video:{state['video_id']}", created_at=T0, **state)


def new_grant() -> PermissionGrant:
    return PermissionGrant(video_id=7, enrollment_id=3, tenant="demo", permission_id=11)


def new_session(policy: dict[str, Any], *, device_id: str = "laptop") -> PlaybackSession:
    """Started at ``T0`` under ``policy``, for ten minutes."""
    return PlaybackSession(
        session_id="s1",
        tenant="demo",
        video_id=7,
        enrollment_id=3,
        user_id=42,
        device_id=device_id,
        policy=policy,
        policy_version=1,
        grant_version=2,
        started_at=T0,
        expires_at=at(600),
    )
