"""Ports: what the use cases need from the world, as ``typing.Protocol``s, by concern.

Adapters live in ``academy_video.adapters``; the composition root (``bootstrap``) picks them.
Every name is re-exported here: ``from academy_video.app.ports import X`` whatever module holds X.
"""

from __future__ import annotations

from .basics import Clock, IdAllocator
from .caption_jobs import CaptionJobQueue, CaptionJobRef
from .captions import CaptionParser, ParsedCaptions
from .directory import (
    MAX_ROSTER_BATCH,
    Attendance,
    Directory,
    Enrollment,
    EnrollmentRow,
    Lecture,
    LectureSession,
    SessionAccess,
    Student,
)
from .media import (
    MediaProbe,
    ProbeResult,
    TranscodeFailed,
    TranscodeOutput,
    Transcoder,
    WorkerWaker,
)
from .playback import Heartbeats, LiveState, RateLimiter, SessionStore, UrlSigner
from .speech import (
    MAX_WORDS,
    SpeechLimits,
    SpeechRecogniser,
    Transcription,
    TranscriptionCancelled,
)
from .storage import MAX_PARTS, MIN_PART_BYTES, ObjectStorage, StoredObject, UploadedPart
from .transcripts import TranscriptHit, TranscriptIndex
from .views import (
    ActiveSessions,
    Completions,
    JobQueue,
    PendingUploads,
    PlaybackVersions,
    SessionOrders,
)
from .webhooks import (
    MAX_RESPONSE_CHARS,
    AttemptRecord,
    DeliveryResult,
    DueDelivery,
    Finished,
    Message,
    WebhookQueue,
    WebhookRequest,
    WebhookSecrets,
    WebhookSender,
)

__all__ = [
    "MAX_PARTS",
    "MAX_RESPONSE_CHARS",
    "MAX_ROSTER_BATCH",
    "MAX_WORDS",
    "MIN_PART_BYTES",
    "ActiveSessions",
    "AttemptRecord",
    "Attendance",
    "CaptionJobQueue",
    "CaptionJobRef",
    "CaptionParser",
    "Clock",
    "Completions",
    "DeliveryResult",
    "Directory",
    "DueDelivery",
    "Enrollment",
    "EnrollmentRow",
    "Finished",
    "Heartbeats",
    "IdAllocator",
    "JobQueue",
    "Lecture",
    "LectureSession",
    "LiveState",
    "MediaProbe",
    "Message",
    "ObjectStorage",
    "ParsedCaptions",
    "PendingUploads",
    "PlaybackVersions",
    "ProbeResult",
    "RateLimiter",
    "SessionAccess",
    "SessionOrders",
    "SessionStore",
    "SpeechLimits",
    "SpeechRecogniser",
    "StoredObject",
    "Student",
    "TranscodeFailed",
    "TranscodeOutput",
    "Transcoder",
    "TranscriptHit",
    "TranscriptIndex",
    "Transcription",
    "TranscriptionCancelled",
    "UploadedPart",
    "UrlSigner",
    "WebhookQueue",
    "WebhookRequest",
    "WebhookSecrets",
    "WebhookSender",
    "WorkerWaker",
]
