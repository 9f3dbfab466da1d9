"""What the old app answered, written from its serializers and views
(``../shared/seed/django_video_app.txt``), with what this service adds marked ``Added``.

Each shape names its source in the seed. ``NULL`` is JSON null.
"""

from __future__ import annotations

from typing import Any

from .shapes import NUMBER, Added, Exactly

NULL = type(None)
TIME = str  # DRF's DateTimeField: an ISO-8601 string

# serializers.py: VideoSerializer (``session`` is write_only: never answered).
VIDEO: dict[str, Any] = {
    "id": int,
    "session_id": int,
    "title": str,
    "file_key": str,
    "duration": (int, NULL),  # PositiveIntegerField(null=True): whole seconds
    "order": int,
    "status": str,
    "allow_skip": bool,
    "max_speed": float,  # FloatField
    "show_watermark": bool,
    "thumbnail": (str, NULL),  # ImageField: its URL, or null
    "thumbnail_url": (str, NULL),  # get_thumbnail_url
    "hls_path": str,
    "hls_url": (str, NULL),
    "created_at": TIME,
    "updated_at": TIME,
    "source_type": str,
    "error_reason": Added(str, "contract: Video JSON"),
    "policy_version": Added(int, "contract: Video JSON"),
    "processing_progress": Added(int, "docs/architecture.md: worker heartbeat progress"),
    "duration_precise": Added((float, NULL), "docs/compat.md: the measured duration"),
}

# playback_mixin.py: _student_list_impl: the VideoSerializer with can_play and reason.
STUDENT_VIDEO: dict[str, Any] = {
    **VIDEO,
    "can_play": bool,
    "reason": (str, NULL),
    "enrollment_id": Added((int, NULL), "schemas/videos.py: the enrollment to start with"),
}

# serializers.py: VideoPermissionSerializer (fields "__all__" + student_name).
PERMISSION: dict[str, Any] = {
    "id": int,
    "video": int,
    "enrollment": int,
    "student_name": str,
    "rule": str,
    "allow_skip_override": (bool, NULL),
    "max_speed_override": (float, NULL),
    "show_watermark_override": (bool, NULL),
    "block_speed_control": bool,
    "block_seek": bool,
    "is_override": bool,
}

# serializers.py: VideoProgressSerializer (fields "__all__" + student_name, progress_percent).
PROGRESS: dict[str, Any] = {
    "id": int,
    "video": int,
    "enrollment": int,
    "student_name": str,
    "progress": NUMBER,  # FloatField (default=0)
    "progress_percent": NUMBER,  # round(progress * 100, 1)
    "last_position": int,  # IntegerField
    "completed": bool,
    "updated_at": TIME,
}

# video_views.py: stats.
STATS_STUDENT: dict[str, Any] = {
    "enrollment": int,
    "student_name": str,
    "attendance_status": (str, NULL),
    "progress": NUMBER,  # ``vp.progress if vp else 0``
    "completed": bool,
    "rule": str,
    "effective_rule": str,
    "parent_phone": str,  # the student's CharField: "" when empty
    "student_phone": str,
    "school": (str, NULL),
    "grade": (str, NULL),
}
STATS: dict[str, Any] = {"video": VIDEO, "students": [STATS_STUDENT], "total_filtered": int}

# video_views.py: summary.
SUMMARY: dict[str, Any] = {
    "video_id": int,
    "range": str,
    "total_students": int,
    "completed_count": int,
    "completion_rate": NUMBER,
    "watched_seconds_est": int,
    "risk_top": [{"enrollment": int, "student_name": str, "score": int}],
}

# achievement_views.py.
ACHIEVEMENT: dict[str, Any] = {
    "summary": {
        "total_students": int,
        "avg_progress": NUMBER,
        "completed_rate": NUMBER,
        "incomplete_count": int,
    },
    "students": [
        {
            "enrollment": int,
            "student_name": str,
            "progress": NUMBER,
            "completed": bool,
            "watched_seconds": int,  # ``vp.last_position``: an IntegerField
            "status": str,
        }
    ],
}

# video_views.py: upload_init.
UPLOAD_INIT: dict[str, Any] = {
    "video": VIDEO,
    "upload_url": str,
    "file_key": str,
    "content_type": str,
}

# video_views.py: retry (202). The video beside the detail: docs/architecture.md.
RETRY: dict[str, Any] = {
    "detail": Exactly("Video reprocessing queued (HTTP worker polling)"),
    "video": Added(VIDEO, "docs/architecture.md: retry answers the video beside the detail"),
}

# internal_video_worker.py.
WORKER_JOB: dict[str, Any] = {
    "job": {
        "video_id": int,
        "file_key": str,
        "tenant_code": str,
        "attempt": Added(int, "docs/architecture.md: the job queue's attempts"),
        "source_etag": Added((str, NULL), "schemas/worker.py: JobOut.source_etag"),
    }
}
WORKER_ACK: dict[str, Any] = {"ok": Exactly(True), "reason": str}
# internal_views.py: the legacy processing-complete.
LEGACY_ACK = {"ok": Exactly(True)}
LEGACY_ACK_AGAIN = {"ok": Exactly(True), "idempotent": Exactly(True)}

# playback_mixin.py: _effective_policy.
POLICY: dict[str, Any] = {
    "allow_seek": bool,
    "seek": dict,  # {mode, forward_limit, grace_seconds}, or {mode: blocked}
    "playback_rate": {"max": NUMBER, "ui_control": bool},
    "watermark": {"enabled": bool, "mode": Exactly("overlay"), "fields": Exactly(["user_id"])},
    "concurrency": {"max_sessions": int, "max_devices": int},
}

# serializers.py: PlaybackResponseSerializer (201).
PLAYBACK_START: dict[str, Any] = {
    "token": str,
    "session_id": str,
    "expires_at": int,
    "policy": POLICY,
    "play_url": str,
    "media_query": Added(str, "docs/cdn.md: the signed query for segments and the key"),
}

# playback_views.py: refresh said {"ok": true}; here it renews (docs/architecture.md).
PLAYBACK_REFRESH: dict[str, Any] = {
    "ok": Exactly(True),
    "token": Added(str, "docs/architecture.md: refresh renews the token"),
    "expires_at": Added(int, "docs/architecture.md: refresh renews the token"),
    "play_url": Added(str, "docs/architecture.md: refresh renews the media URLs"),
    "media_query": Added(str, "docs/architecture.md: refresh renews the media URLs"),
}
OK: dict[str, Any] = {"ok": Exactly(True)}

# serializers.py: PlaybackEventBatchResponseSerializer (201).
PLAYBACK_EVENTS_STORED: dict[str, Any] = {"stored": int}

# serializers.py: VideoPlaybackEventListSerializer (the list and the retrieve).
PLAYBACK_EVENT: dict[str, Any] = {
    "id": int,
    "video": int,
    "enrollment_id": int,
    "student_name": str,
    "session_id": str,
    "user_id": int,
    "event_type": str,
    "violated": bool,
    "violation_reason": str,
    "event_payload": dict,
    "policy_snapshot": POLICY,
    "occurred_at": TIME,
    "received_at": TIME,
    "severity": str,
    "score": int,
    "client_occurred_at": Added(TIME, "docs/architecture.md: the player's own time beside it"),
}
