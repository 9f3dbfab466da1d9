"""The old app's models, as the seed's ``models.py`` (and ``migrations/0001_initial.py``) have
them: test-only code, copied so that Django creates exactly the old schema. The Korean
choice labels are left out (mis-encoded in the seed; they are not stored)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tests.legacy_django.enrollment.models import Enrollment
from tests.legacy_django.lectures.models import Session
from tests.legacy_django.timestamps import TimestampModel


class Video(TimestampModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        UPLOADED = "UPLOADED"
        PROCESSING = "PROCESSING"
        READY = "READY"
        FAILED = "FAILED"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(max_length=255)
    file_key = models.CharField(
        max_length=500, blank=True, help_text="S3 object key (presigned upload)"
    )
    duration = models.PositiveIntegerField(null=True, blank=True)
    order = models.PositiveIntegerField(default=1)
    thumbnail = models.ImageField(upload_to="thumbnails/", null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    allow_skip = models.BooleanField(default=False)
    max_speed = models.FloatField(default=1.0)
    show_watermark = models.BooleanField(default=True)
    policy_version = models.PositiveIntegerField(
        default=1,
        db_index=True,
        help_text="Increment on policy/permission changes to invalidate existing tokens",
    )
    error_reason = models.TextField(blank=True, null=True, default="")
    hls_path = models.CharField(
        max_length=500, blank=True, help_text="HLS master playlist path (relative to CDN root)"
    )
    processing_started_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="video_video_status_782ba3_idx"),
            models.Index(fields=["leased_until", "status"], name="video_video_leased__a8f039_idx"),
        ]


class VideoPermission(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="permissions")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="video_permissions"
    )
    rule = models.CharField(
        max_length=20,
        choices=[("free", "free"), ("once", "once"), ("blocked", "blocked")],
        default="once",
    )
    allow_skip_override = models.BooleanField(null=True, blank=True)
    max_speed_override = models.FloatField(null=True, blank=True)
    show_watermark_override = models.BooleanField(null=True, blank=True)
    block_speed_control = models.BooleanField(default=False)
    block_seek = models.BooleanField(default=False)
    is_override = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "enrollment"], name="unique_video_permission")
        ]


class VideoProgress(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="progresses")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="video_progress"
    )
    progress = models.FloatField(default=0)
    last_position = models.IntegerField(default=0)
    completed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "enrollment"], name="unique_video_progress")
        ]


class VideoPlaybackSession(TimestampModel):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        ENDED = "ENDED"
        REVOKED = "REVOKED"
        EXPIRED = "EXPIRED"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="playback_sessions")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="playback_sessions"
    )
    session_id = models.CharField(max_length=64, db_index=True)
    device_id = models.CharField(max_length=128, db_index=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session_id"], name="uniq_video_playback_session_id")
        ]
        indexes = [
            models.Index(fields=["status", "started_at"], name="video_video_status_175f42_idx"),
            models.Index(
                fields=["video", "enrollment", "status"], name="video_video_video_i_5d0bbd_idx"
            ),
        ]


class VideoPlaybackEvent(TimestampModel):
    class EventType(models.TextChoices):
        VISIBILITY_HIDDEN = "VISIBILITY_HIDDEN"
        VISIBILITY_VISIBLE = "VISIBILITY_VISIBLE"
        FOCUS_LOST = "FOCUS_LOST"
        FOCUS_GAINED = "FOCUS_GAINED"
        SEEK_ATTEMPT = "SEEK_ATTEMPT"
        SPEED_CHANGE_ATTEMPT = "SPEED_CHANGE_ATTEMPT"
        FULLSCREEN_ENTER = "FULLSCREEN_ENTER"
        FULLSCREEN_EXIT = "FULLSCREEN_EXIT"
        PLAYER_ERROR = "PLAYER_ERROR"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="playback_events")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="video_playback_events"
    )
    session_id = models.CharField(max_length=64, db_index=True)
    user_id = models.BigIntegerField(db_index=True)
    event_type = models.CharField(max_length=32, choices=EventType.choices, db_index=True)
    event_payload = models.JSONField(default=dict, blank=True)
    policy_snapshot = models.JSONField(default=dict, blank=True)
    violated = models.BooleanField(default=False, db_index=True)
    violation_reason = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["video", "enrollment", "session_id"], name="video_video_video_i_1ea099_idx"
            ),
            models.Index(fields=["user_id", "session_id"], name="video_video_user_id_474fa3_idx"),
            models.Index(
                fields=["event_type", "received_at"], name="video_video_event_t_b8ca86_idx"
            ),
        ]
        ordering = ["-received_at", "-id"]
