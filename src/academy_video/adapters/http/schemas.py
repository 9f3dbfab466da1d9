"""Request and response bodies as msgspec Structs: validated on the way in (a bad field is a 400
naming it), and described in the OpenAPI schema at ``/schema``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

MAX_ID = 2**53  # ids fit a JSON number and a BIGINT
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Title = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Short = Annotated[str, Meta(max_length=32)]
Speed = Annotated[float, Meta(gt=0, le=16)]
RuleName = Literal["free", "once", "blocked"]
Status = Literal["PENDING", "UPLOADED", "PROCESSING", "READY", "FAILED"]


class Input(Struct, forbid_unknown_fields=True):
    """Request bodies refuse unknown fields: a typo must not be silently ignored."""

    def __post_init__(self) -> None:
        # NUL is no character of any valid text and PostgreSQL refuses it: a 400 now, rather
        # than an event stored that its read model can never hold.
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name}: NUL characters are not allowed")


# Directory -----------------------------------------------------------------------------------


class LectureIn(Input):
    title: Text = ""


class LectureOut(Struct):
    id: int
    title: str


class SessionIn(Input):
    lecture_id: Id
    title: Text = ""


class SessionOut(Struct):
    id: int
    lecture_id: int
    title: str


class SessionListed(Struct):
    """A session as the console and the player list it; ``enrollment_id`` is the student's
    enrollment that gives access (null in staff's view)."""

    id: int
    lecture_id: int
    title: str
    lecture_title: str
    enrollment_id: int | None = None


class StudentIn(Input):
    user_id: Id
    name: Text = ""
    phone: Short = ""
    parent_phone: Short = ""
    school: Text = ""
    grade: Short = ""


class StudentOut(Struct):
    id: int
    user_id: int
    name: str
    phone: str
    parent_phone: str
    school: str
    grade: str


class EnrollmentIn(Input):
    student_id: Id
    lecture_id: Id
    status: Literal["ACTIVE", "INACTIVE"]


class EnrollmentOut(Struct):
    id: int
    student_id: int
    lecture_id: int
    status: str


class SessionAccessIn(Input):
    session_id: Id
    enrollment_id: Id
    granted: bool


class SessionAccessOut(Struct):
    session_id: int
    enrollment_id: int
    granted: bool


class AttendanceIn(Input):
    session_id: Id
    enrollment_id: Id
    status: Annotated[str, Meta(min_length=1, max_length=32)]


class AttendanceOut(Struct):
    session_id: int
    enrollment_id: int
    status: str


# Videos --------------------------------------------------------------------------------------


class VideoOut(Struct):
    id: int
    session_id: int
    title: str
    file_key: str
    duration: float | None
    order: int
    status: str
    allow_skip: bool
    max_speed: float
    show_watermark: bool
    thumbnail_url: str | None
    hls_path: str
    hls_url: str | None
    created_at: datetime
    updated_at: datetime
    source_type: str
    error_reason: str
    policy_version: int
    processing_progress: int


class StudentVideoOut(VideoOut):
    """A READY video as a student sees it: whether they may play it, and if not why."""

    can_play: bool
    reason: str | None  # not_enrolled | no_session_access | blocked
    enrollment_id: int | None  # the enrollment to start playback with


class VideoPatch(Input):
    title: Title | UnsetType = UNSET
    order: Annotated[int, Meta(ge=0, le=1_000_000)] | UnsetType = UNSET
    allow_skip: bool | UnsetType = UNSET
    max_speed: Speed | UnsetType = UNSET
    show_watermark: bool | UnsetType = UNSET


# Permissions ---------------------------------------------------------------------------------


class PermissionFields(Input):
    rule: RuleName | UnsetType = UNSET
    allow_skip_override: bool | UnsetType | None = UNSET
    max_speed_override: Speed | UnsetType | None = UNSET
    show_watermark_override: bool | UnsetType | None = UNSET
    block_seek: bool | UnsetType = UNSET
    block_speed_control: bool | UnsetType = UNSET
    # Accepted for compatibility and ignored: a rule an instructor sets is always an override.
    is_override: bool | UnsetType = UNSET
    # May be repeated on update, but a permission cannot move to another video or student.
    video: Id | UnsetType = UNSET
    enrollment: Id | UnsetType = UNSET


class PermissionIn(Input, kw_only=True):
    video: Id
    enrollment: Id
    rule: RuleName = "once"  # the seed's model default (and bulk_set's)
    allow_skip_override: bool | None = None
    max_speed_override: Speed | None = None
    show_watermark_override: bool | None = None
    block_seek: bool = False
    block_speed_control: bool = False
    is_override: bool | UnsetType = UNSET  # ignored, as on update


class PermissionOut(Struct):
    id: int
    video: int
    enrollment: int
    student_name: str
    rule: str
    allow_skip_override: bool | None
    max_speed_override: float | None
    show_watermark_override: bool | None
    block_seek: bool
    block_speed_control: bool
    is_override: bool


class BulkSetIn(Input):
    video_id: Id
    enrollments: Annotated[list[Id], Meta(max_length=1000)]
    rule: RuleName = "once"


# Progress ------------------------------------------------------------------------------------


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
    last_position: float
    completed: bool
    updated_at: datetime


class Health(Struct):
    status: str
    version: str
    event_store: str
    projections_behind: int


class Problem(Struct):
    """Every error: ``{"detail": "<code or message>"}`` (see the contract's error strings)."""

    detail: str


# Uploads -------------------------------------------------------------------------------------


class UploadInitIn(Input):
    # Optional here so that a missing one gets the contract's single message.
    session: Id | None = None
    title: Annotated[str, Meta(max_length=255)] | None = None
    filename: Annotated[str, Meta(max_length=255)] | None = None
    content_type: Annotated[str, Meta(max_length=100)] | None = None
    allow_skip: bool = False
    max_speed: Speed = 1.0
    show_watermark: bool = True


class UploadInitOut(Struct):
    video: VideoOut
    upload_url: str
    file_key: str
    content_type: str


class MultipartIn(Input):
    size: Annotated[int, Meta(ge=1, le=2**50)]
    content_type: Annotated[str, Meta(max_length=100)] = "video/mp4"


class PartUrl(Struct):
    part_number: int
    url: str


class MultipartOut(Struct):
    upload_id: str
    file_key: str
    part_size: int
    parts: list[PartUrl]


class PartIn(Input):
    part_number: Annotated[int, Meta(ge=1, le=10_000)]
    etag: Annotated[str, Meta(min_length=1, max_length=100)]


class MultipartCompleteIn(Input):
    upload_id: Annotated[str, Meta(min_length=1, max_length=1024)]
    parts: Annotated[list[PartIn], Meta(min_length=1, max_length=10_000)]


class MultipartCompleteOut(Struct):
    file_key: str
    size: int


class MultipartAbortIn(Input):
    upload_id: Annotated[str, Meta(min_length=1, max_length=1024)]


# Worker API ----------------------------------------------------------------------------------


class JobOut(Struct):
    video_id: int
    file_key: str
    tenant_code: str
    attempt: int
    # The source's ETag when its upload was confirmed (null: not recorded, nothing to check):
    # a worker refuses a source that no longer has it (``source_changed``). Older workers
    # ignore the field.
    source_etag: str | None = None


class ClaimOut(Struct):
    job: JobOut


class HeartbeatIn(Struct):  # workers may send more than we read
    progress: Annotated[int, Meta(ge=0, le=100)] | None = None


class Rendition(Struct):
    name: str
    width: int
    height: int
    bandwidth: int
    playlist: str


class CompleteIn(Struct):
    hls_path: Annotated[str, Meta(max_length=1024)] | None = None
    duration: Annotated[float, Meta(ge=0, le=1e7)] | None = None
    thumbnail_key: Annotated[str, Meta(max_length=1024)] = ""
    renditions: Annotated[list[Rendition], Meta(max_length=20)] = []


class FailIn(Struct):
    reason: Annotated[str, Meta(max_length=2000)] = ""


class WorkerAck(Struct):
    ok: bool
    reason: str


# Playback ------------------------------------------------------------------------------------


class PlaybackStartIn(Struct):
    video_id: Id | None = None
    enrollment_id: Id | None = None
    device_id: Annotated[str, Meta(max_length=128)] = ""


class PlaybackStartOut(Struct):
    token: str
    session_id: str
    expires_at: int
    policy: dict[str, object]
    play_url: str
    media_query: str


class TokenIn(Struct):
    token: Annotated[str, Meta(max_length=4096)] = ""


class HeartbeatPlaybackIn(TokenIn):
    position: Annotated[float, Meta(ge=0, le=1e7)] | None = None
    playback_rate: Annotated[float, Meta(gt=0, le=16)] | None = None


class ClientEventIn(Struct):
    type: Annotated[str, Meta(max_length=64)]
    occurred_at: float | None = None
    # Bounded by its serialized size, ACADEMY_VIDEO_EVENT_PAYLOAD_MAX_BYTES: the contract's
    # 413 event_payload_too_large (domain/event_budget.py), which no Meta here can express.
    payload: dict[str, object] | None = None


class EventsIn(TokenIn):
    # No length here: a batch over ACADEMY_VIDEO_EVENT_BATCH_MAX is the contract's 413
    # batch_too_large (app/playback/live.py), not a validation 400; the body limit bounds the parse.
    events: list[ClientEventIn] = []


class RefreshOut(Struct):
    ok: bool
    token: str
    expires_at: int
    play_url: str
    media_query: str


class Ok(Struct):
    ok: bool = True


class Stored(Struct):
    stored: int
