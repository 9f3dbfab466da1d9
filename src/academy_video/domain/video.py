"""Video: a lecture video from upload to HLS, with its default playback policy.

What stays here: the aggregate's events (each ``@event`` method and event class) and the thin
commands that check, then record one. The rules they apply live beside it, some names
re-exported here: the status and its refusals (``video_status.py``), the worker's lease
(``video_lease.py``), where the video's files live (``video_storage.py``), its duration
(``video_duration.py``), an import from the old app (``video_import.py``), what a job's report
may carry (``video_reports.py``), what an edit may change (``video_edits.py``) and its caption
tracks (``caption_tracks.py``: their state, each command's checks, what each event does).

Why this module runs past 300 lines: eventsourcing defines each event class inside the class
whose body holds its ``@event`` method, and a stored event names that class by topic
(``academy_video.domain.video:Video.ProcessingStarted``, pinned by
``tests/unit/domain/test_video_event_topics.py``). A base class does not help: an event
defined on one is stored under the base's own topic (``…:Base.Poked``). Events stored so far
could still be read after a move (eventsourcing's ``register_topic`` maps an old topic to the
moved class), so the size is a choice, not a constraint: split by concern (the caption tracks'
events and commands are the largest part), each part's commands need ``self`` typed as the
``Video``, which mypy strict allows only through a Protocol restating the state and every event
method's signature. Not done yet; until then each section below holds one concern.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from . import ids
from .caption_tracks import (
    CaptionEvent,
    CaptionTracks,
    caption_failure_reason,
    caption_key,
)
from .policy import VideoDefaults, check_max_speed
from .video_duration import usable_duration
from .video_edits import changed_defaults, check_edit
from .video_import import OLD_WORKER, check_imported, check_old_output
from .video_lease import (
    LeaseLost,
    LeaseOwnerMismatch,
    NotClaimable,
    check_lease_owner,
    check_renewable,
    lease_end,
    lease_expired,
    processing_percent,
)
from .video_reports import (
    MAX_REASON_LENGTH,
    bounded_reason,
    check_reencode_output,
    failure_reason,
    reencode_failure,
    reencode_reason,
)
from .video_status import (
    CannotReencode,
    CannotRetry,
    IllegalTransition,
    NotReady,
    VideoDeleted,
    VideoStatus,
)
from .video_storage import (
    check_published,
    check_reencodable,
    is_under,
    key_object,
    outputs_prefix,
    prefix_to_remove,
)

__all__ = [
    "MAX_REASON_LENGTH",
    "CannotReencode",
    "CannotRetry",
    "IllegalTransition",
    "LeaseLost",
    "LeaseOwnerMismatch",
    "NotClaimable",
    "NotReady",
    "Video",
    "VideoDeleted",
    "VideoStatus",
    "key_object",
    "outputs_prefix",
]


class Video(Aggregate):
    @staticmethod
    def create_id(video_id: int) -> UUID:
        return ids.video_id(video_id)

    @event("Registered")
    def __init__(
        self,
        video_id: int,
        tenant: str,
        session_id: int,
        title: str,
        file_key: str,
        order: int,
        allow_skip: bool,
        max_speed: float,
        show_watermark: bool,
    ) -> None:
        self.video_id = video_id
        self.tenant = tenant
        self.session_id = session_id
        self.title = title
        self.file_key = file_key
        self.order = order
        self.allow_skip = allow_skip
        self.max_speed = max_speed
        self.show_watermark = show_watermark
        self.status = VideoStatus.PENDING
        self.policy_version = 1
        self.error_reason = ""
        self.size = 0
        self.duration: float | None = None
        self.probe: dict[str, Any] = {}
        self.source_etag = ""
        self.hls_path = ""
        self.renditions: list[dict[str, Any]] = []
        self.thumbnail_key = ""
        self.leased_by = ""
        self.leased_until: datetime | None = None
        self.attempts = 0
        self.processing_progress = 0
        self.reencode_reason = ""  # why a re-encode is queued or in work ("": none)
        self.reencode_progress = 0  # its worker's percent (the video shows READY's 100)
        self.replaced_prefix = ""  # the output the last re-encode replaced, removed since
        self.captions = CaptionTracks()  # videos stored before captions existed: none
        self.deleted = False

    @classmethod
    def register(
        cls,
        *,
        video_id: int,
        tenant: str,
        session_id: int,
        title: str,
        file_key: str,
        order: int,
        defaults: VideoDefaults,
    ) -> Video:
        check_max_speed(defaults.max_speed)
        return cls(
            video_id=video_id,
            tenant=tenant,
            session_id=session_id,
            title=title,
            file_key=file_key,
            order=order,
            allow_skip=defaults.allow_skip,
            max_speed=defaults.max_speed,
            show_watermark=defaults.show_watermark,
        )

    class Imported(Aggregate.Created):
        """The video's history begins in the old app: ``source`` names its row there
        (``video_video:17``); the state it had comes along (a READY video keeps its keys)."""

        video_id: int
        tenant: str
        session_id: int
        title: str
        file_key: str
        order: int
        allow_skip: bool
        max_speed: float
        show_watermark: bool
        source: str
        status: str
        policy_version: int
        duration: float | None
        hls_path: str
        thumbnail_key: str
        error_reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = VideoStatus(self.status)
            aggregate.policy_version = self.policy_version
            aggregate.duration = self.duration
            aggregate.hls_path = self.hls_path
            aggregate.thumbnail_key = self.thumbnail_key
            aggregate.error_reason = self.error_reason
            aggregate.processing_progress = 100 if self.status == VideoStatus.READY else 0

    @classmethod
    def imported(cls, *, source: str, created_at: datetime, **state: Any) -> Video:
        """A video brought over from the old app (``Imported``'s fields as keywords)."""
        check_imported(state)
        return cls._create(
            cls.Imported,
            id=cls.create_id(state["video_id"]),
            timestamp=created_at,
            source=source,
            **state,
        )

    def adopt_old_output(
        self, *, hls_path: str, duration: float | None, thumbnail_key: str
    ) -> bool:
        """The old app's worker finished a video after it was imported: its output, as an
        ordinary ``ProcessingCompleted``, unless this service's worker already published one
        (READY stays as it is). True if adopted."""
        if self.deleted or self.status == VideoStatus.READY:
            return False
        check_old_output(
            self.tenant,
            self.video_id,
            hls_path=hls_path,
            duration=duration,
            thumbnail_key=thumbnail_key,
        )
        self._processing_completed(
            worker_id=OLD_WORKER,
            hls_path=hls_path,
            duration=duration,
            thumbnail_key=thumbnail_key,
            renditions=[],
        )
        return True

    @property
    def defaults(self) -> VideoDefaults:
        return VideoDefaults(self.allow_skip, self.max_speed, self.show_watermark)

    # Upload -------------------------------------------------------------------------------

    def confirm_upload(self, *, size: int, probe: dict[str, Any], source_etag: str = "") -> None:
        """The stored source exists and the probe found a playable video in it; ``source_etag``
        names the version probed (workers refuse any other)."""
        self.check_status(VideoStatus.PENDING)
        self._upload_confirmed(
            size=size,
            duration=usable_duration(probe.get("duration")),
            probe=probe,
            source_etag=source_etag,
        )

    class UploadConfirmed(Aggregate.Event):
        """Version 2 adds ``source_etag``; version 1 events (before it) read as ``""``: no
        version recorded, so none is checked."""

        class_version = 2
        size: int
        duration: float | None
        probe: dict[str, Any]
        source_etag: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source_etag"] = ""

    @event(UploadConfirmed)
    def _upload_confirmed(
        self, size: int, duration: float | None, probe: dict[str, Any], source_etag: str
    ) -> None:
        self.status = VideoStatus.UPLOADED
        self.size = size
        self.duration = duration
        self.probe = probe
        self.source_etag = source_etag
        self.error_reason = ""
        self.attempts = 0

    def reject_upload(self, *, reason: str) -> None:
        """The source is missing or not a video: record why, stay PENDING for another upload."""
        self.check_status(VideoStatus.PENDING)
        self._upload_rejected(reason=bounded_reason(reason))

    @event("UploadRejected")
    def _upload_rejected(self, reason: str) -> None:
        self.error_reason = reason

    # Processing ---------------------------------------------------------------------------

    def is_claimable(self, now: datetime) -> bool:
        """UPLOADED, or PROCESSING under a lease that has run out (its worker died), or READY
        with a re-encode queued and no live lease."""
        if self.deleted:
            return False
        if self.status == VideoStatus.UPLOADED:
            return True
        if self.status == VideoStatus.PROCESSING or self.reencoding:
            return lease_expired(self.leased_until, now)
        return False

    @property
    def awaits_worker(self) -> bool:
        """In the job queue: to be processed, in work, or READY and queued for a re-encode."""
        return not self.deleted and (
            self.status in (VideoStatus.UPLOADED, VideoStatus.PROCESSING) or self.reencoding
        )

    def start_processing(
        self, *, worker_id: str, now: datetime, lease_seconds: int, max_attempts: int
    ) -> bool:
        """Lease the video to a worker. After max_attempts claims it fails instead of looping."""
        if not self.is_claimable(now):
            raise NotClaimable("not_claimable", f"video {self.video_id} is {self.status}")
        if self.attempts >= max_attempts:
            if self.reencoding:
                self._reencode_failed(worker_id="", reason="max_attempts_exceeded")
            else:
                self._processing_failed(worker_id="", reason="max_attempts_exceeded")
            return False
        self._processing_started(
            worker_id=worker_id,
            attempt=self.attempts + 1,
            leased_until=lease_end(now, lease_seconds),
        )
        return True

    @event("ProcessingStarted")
    def _processing_started(self, worker_id: str, attempt: int, leased_until: datetime) -> None:
        self.leased_by = worker_id
        self.leased_until = leased_until
        self.attempts = attempt
        if self.reencoding:  # it stays READY, playing its current output
            self.reencode_progress = 0
        else:
            self.status = VideoStatus.PROCESSING
            self.processing_progress = 0

    def extend_lease(
        self, *, worker_id: str, now: datetime, lease_seconds: int, progress: int | None = None
    ) -> None:
        """A live worker keeps its lease; a stranger or a late one is refused."""
        if self.status != VideoStatus.PROCESSING and not self.reencoding:
            raise LeaseLost("lease_owner_mismatch_or_expired")
        check_renewable(self.leased_by, self.leased_until, worker_id, now)
        self._lease_extended(
            worker_id=worker_id,
            leased_until=lease_end(now, lease_seconds),
            progress=processing_percent(progress),
        )

    @event("LeaseExtended")
    def _lease_extended(self, worker_id: str, leased_until: datetime, progress: int | None) -> None:
        self.leased_until = leased_until
        if progress is None:
            return
        if self.reencoding:
            self.reencode_progress = progress
        else:
            self.processing_progress = progress

    def complete_processing(
        self,
        *,
        worker_id: str,
        now: datetime,
        hls_path: str,
        duration: float | None = None,
        thumbnail_key: str = "",
        renditions: list[dict[str, Any]] | None = None,
    ) -> str:
        """Record the HLS output. Returns ``ok``, or ``idempotent`` if it was already READY
        (and no re-encode is in work: its completion switches the video to the new output)."""
        if self.reencoding:
            self._complete_reencode(
                worker_id, now, hls_path, duration, thumbnail_key, renditions or []
            )
            return "ok"
        if self.status == VideoStatus.READY and self.hls_path:
            return "idempotent"
        self.check_lease_owner(worker_id, now)
        self.check_status(VideoStatus.PROCESSING)
        self._complete(hls_path, duration, thumbnail_key, renditions or [], worker_id)
        return "ok"

    def acknowledge_completion(self, *, hls_path: str, duration: float | None = None) -> str:
        """The seed's legacy processing-complete: no lease to check, any started video."""
        if self.status == VideoStatus.READY and self.hls_path:
            return "idempotent"
        self.check_status(VideoStatus.UPLOADED, VideoStatus.PROCESSING, VideoStatus.FAILED)
        self._complete(hls_path, duration, "", [], "legacy")
        return "ok"

    def _complete(
        self,
        hls_path: str,
        duration: float | None,
        thumbnail_key: str,
        renditions: list[dict[str, Any]],
        worker_id: str,
    ) -> None:
        check_published(self.tenant, self.video_id, hls_path=hls_path, thumbnail_key=thumbnail_key)
        self._processing_completed(
            worker_id=worker_id,
            hls_path=hls_path,
            duration=usable_duration(duration),  # a negative or NaN one keeps the probe's
            thumbnail_key=thumbnail_key,
            renditions=renditions,
        )

    @event("ProcessingCompleted")
    def _processing_completed(
        self,
        worker_id: str,
        hls_path: str,
        duration: float | None,
        thumbnail_key: str,
        renditions: list[dict[str, Any]],
    ) -> None:
        self.status = VideoStatus.READY
        self.hls_path = hls_path
        if duration is not None:
            self.duration = duration
        self.thumbnail_key = thumbnail_key
        self.renditions = renditions
        self.error_reason = ""
        self.processing_progress = 100
        self._release_lease()

    def fail_processing(self, *, worker_id: str, now: datetime, reason: str) -> str:
        """Record why processing failed. Returns ``ok``, or ``idempotent`` if already FAILED.
        A failed re-encode leaves the video READY on its current output."""
        if self.reencoding:
            self._check_reencode_lease(worker_id, now)
            self._reencode_failed(worker_id=worker_id, reason=failure_reason(reason))
            return "ok"
        if self.status == VideoStatus.FAILED:
            return "idempotent"
        self.check_lease_owner(worker_id, now)
        self.check_status(VideoStatus.PROCESSING)
        self._processing_failed(worker_id=worker_id, reason=failure_reason(reason))
        return "ok"

    @event("ProcessingFailed")
    def _processing_failed(self, worker_id: str, reason: str) -> None:
        self.status = VideoStatus.FAILED
        self.error_reason = reason
        self._release_lease()

    def request_retry(self) -> None:
        """An instructor requeues a FAILED (or stuck UPLOADED) video with a fresh attempt count."""
        self.check_not_deleted()
        if self.status not in (VideoStatus.FAILED, VideoStatus.UPLOADED):
            raise CannotRetry("cannot_retry", "Cannot retry")
        self._retry_requested()

    @event("RetryRequested")
    def _retry_requested(self) -> None:
        self.status = VideoStatus.UPLOADED
        self.error_reason = ""
        self.attempts = 0
        self.processing_progress = 0
        self._release_lease()

    # Re-encoding a READY video -------------------------------------------------------------

    @property
    def reencoding(self) -> bool:
        """A re-encode is queued or in work (the video stays READY meanwhile)."""
        return bool(self.reencode_reason)

    @property
    def plays_old_output(self) -> bool:
        """READY on an output this service's workers did not publish (the old app's)."""
        own = outputs_prefix(self.tenant, self.video_id)
        return self.status == VideoStatus.READY and not is_under(self.hls_path, own)

    def request_reencode(self, reason: str) -> bool:
        """Queue a READY video for this service's ladder (and AES key). It stays READY and
        plays from its current output until a worker's completion switches it to the new one;
        a failure leaves it there. False when one is already queued or in work."""
        self.check_status(VideoStatus.READY)
        if self.reencoding:
            return False
        check_reencodable(self.tenant, self.video_id, self.hls_path)
        self._reencode_requested(reason=reencode_reason(reason))
        return True

    @event("ReencodeRequested")
    def _reencode_requested(self, reason: str) -> None:
        self.reencode_reason = reason
        self.reencode_progress = 0
        self.attempts = 0
        self.error_reason = ""  # an earlier re-encode's failure is history now
        self._release_lease()

    def _check_reencode_lease(self, worker_id: str, now: datetime) -> None:
        """Only a claimed re-encode is reported on, by its worker (or after its lease lapsed)."""
        self.check_not_deleted()
        if not self.leased_by:  # queued, never claimed: as a completion of an UPLOADED video
            raise IllegalTransition("invalid_status", f"Invalid status: {self.status}")
        self.check_lease_owner(worker_id, now)

    def _complete_reencode(
        self,
        worker_id: str,
        now: datetime,
        hls_path: str,
        duration: float | None,
        thumbnail_key: str,
        renditions: list[dict[str, Any]],
    ) -> None:
        self._check_reencode_lease(worker_id, now)
        check_reencode_output(
            self.tenant, self.video_id, hls_path=hls_path, thumbnail_key=thumbnail_key
        )
        self._reencoded(
            worker_id=worker_id,
            hls_path=hls_path,
            duration=usable_duration(duration),
            thumbnail_key=thumbnail_key,
            renditions=renditions,
            replaced_hls_path=self.hls_path,
            replaced_prefix=prefix_to_remove(
                self.tenant, self.video_id, replaced=self.hls_path, published=hls_path
            ),
        )

    @event("Reencoded")
    def _reencoded(
        self,
        worker_id: str,
        hls_path: str,
        duration: float | None,
        thumbnail_key: str,
        renditions: list[dict[str, Any]],
        replaced_hls_path: str,
        replaced_prefix: str,
    ) -> None:
        """The new output replaces the old in one event; ``replaced_prefix`` is removed from
        storage once it is saved ("" when nothing is to be removed)."""
        self.hls_path = hls_path
        if duration is not None:
            self.duration = duration
        self.thumbnail_key = thumbnail_key
        self.renditions = renditions
        self.replaced_prefix = replaced_prefix
        self.reencode_reason = ""
        self.reencode_progress = 100
        self.error_reason = ""
        self._release_lease()

    @event("ReencodeFailed")
    def _reencode_failed(self, worker_id: str, reason: str) -> None:
        """Shown to staff as the READY video's ``error_reason`` until the next re-encode."""
        self.reencode_reason = ""
        self.reencode_progress = 0
        self.error_reason = reencode_failure(reason)
        self._release_lease()

    # Policy and metadata ------------------------------------------------------------------

    def change_policy(
        self,
        *,
        allow_skip: bool | None = None,
        max_speed: float | None = None,
        show_watermark: bool | None = None,
    ) -> bool:
        """Change the video's defaults; a real change bumps policy_version (all tokens go stale)."""
        self.check_not_deleted()
        new = changed_defaults(
            self.defaults,
            allow_skip=allow_skip,
            max_speed=max_speed,
            show_watermark=show_watermark,
        )
        if new == self.defaults:
            return False
        self._policy_changed(
            allow_skip=new.allow_skip,
            max_speed=new.max_speed,
            show_watermark=new.show_watermark,
            policy_version=self.policy_version + 1,
        )
        return True

    @event("PolicyChanged")
    def _policy_changed(
        self, allow_skip: bool, max_speed: float, show_watermark: bool, policy_version: int
    ) -> None:
        self.allow_skip = allow_skip
        self.max_speed = max_speed
        self.show_watermark = show_watermark
        self.policy_version = policy_version

    def edit(self, *, title: str | None = None, order: int | None = None) -> bool:
        self.check_not_deleted()
        title = self.title if title is None else title
        order = self.order if order is None else order
        check_edit(title, order)
        if (title, order) == (self.title, self.order):
            return False
        self._edited(title=title, order=order)
        return True

    @event("Edited")
    def _edited(self, title: str, order: int) -> None:
        self.title = title
        self.order = order

    def delete(self) -> None:
        self.check_not_deleted()
        self._deleted()

    @event("Deleted")
    def _deleted(self) -> None:
        self.deleted = True
        self._release_lease()

    # Captions: each event changes only ``captions`` (``caption_tracks.py`` says how) ---------

    def add_caption(
        self,
        *,
        language: str,
        label: str,
        kind: str,
        version: int,
        cue_count: int,
        token: str = "",
    ) -> None:
        """An uploaded track, a DRAFT, its file stored at ``caption_key(…, version, token)``."""
        self.check_not_deleted()
        self.captions.check_new(language, label, kind)
        self._caption_file(
            self.CaptionAdded, language, (version, token), cue_count, label=label, kind=kind
        )

    class CaptionAdded(CaptionEvent):
        label: str
        kind: str
        version: int
        file_key: str
        cue_count: int

    def replace_caption(
        self, *, language: str, version: int, cue_count: int, token: str = ""
    ) -> str:
        """A new uploaded file for a track; returns the replaced file's key (to remove)."""
        self.check_not_deleted()
        old = self.captions.check_replaceable(language).file_key
        file = (version, token)
        self._caption_file(self.CaptionReplaced, language, file, cue_count, replaced_key=old)
        return old

    class CaptionReplaced(CaptionEvent):
        version: int
        file_key: str
        cue_count: int
        replaced_key: str

    def edit_caption_cues(
        self, *, language: str, edits: list[dict[str, Any]], version: int, token: str = ""
    ) -> str:
        """Cue texts changed (``edits``: ``{index, text}``, checked by the caller against the
        file), stored as a new version; returns the replaced file's key."""
        self.check_not_deleted()
        old = self.captions.check_editable(language)
        self._caption_file(
            self.CaptionCuesEdited,
            language,
            (version, token),
            old.cue_count,
            edits=edits,
            replaced_key=old.file_key,
        )
        return old.file_key

    class CaptionCuesEdited(CaptionEvent):
        edits: list[dict[str, Any]]
        version: int
        file_key: str
        cue_count: int
        replaced_key: str

    def change_caption(self, *, language: str, label: str, kind: str) -> bool:
        self.check_not_deleted()
        if not self.captions.check_change(language, label, kind):
            return False
        self.trigger_event(self.CaptionChanged, language=language, label=label, kind=kind)
        return True

    class CaptionChanged(CaptionEvent):
        label: str
        kind: str

    def publish_caption(self, language: str, *, published: bool = True) -> bool:
        """Shown to students (or, ``published=False``, back to a draft)."""
        self.check_not_deleted()
        if (self.captions.check_publishable(language).status == "published") == published:
            return False
        event = self.CaptionPublished if published else self.CaptionUnpublished
        self.trigger_event(event, language=language)
        return True

    class CaptionPublished(CaptionEvent):
        pass

    class CaptionUnpublished(CaptionEvent):
        pass

    def set_default_caption(self, language: str, *, default: bool = True) -> bool:
        """The video's one default track (another loses the flag), or none."""
        self.check_not_deleted()
        if self.captions.get(language).default == default:
            return False
        self.trigger_event(self.CaptionDefaultSet, language=language, default=default)
        return True

    class CaptionDefaultSet(CaptionEvent):
        default: bool

    def remove_caption(self, language: str) -> str:
        """Returns the removed track's file key (to remove from storage)."""
        self.check_not_deleted()
        key = self.captions.get(language).file_key
        self.trigger_event(self.CaptionRemoved, language=language, file_key=key)
        return key

    class CaptionRemoved(CaptionEvent):
        file_key: str

    def request_auto_caption(self, *, language: str, label: str, kind: str) -> None:
        """An auto track, PROCESSING until the recogniser's cues or failure are recorded."""
        self.check_not_deleted()
        self.captions.check_auto(language, label, kind)
        self.trigger_event(self.CaptionRequested, language=language, label=label, kind=kind)

    class CaptionRequested(CaptionEvent):
        label: str
        kind: str

    def record_auto_caption(
        self, *, language: str, version: int, cue_count: int, token: str = ""
    ) -> None:
        """The recogniser's cues, stored: the track is a DRAFT for staff to review."""
        self.check_not_deleted()
        self.captions.check_processing(language)
        self._caption_file(self.CaptionTranscribed, language, (version, token), cue_count)

    class CaptionTranscribed(CaptionEvent):
        version: int
        file_key: str
        cue_count: int

    def fail_auto_caption(self, *, language: str, reason: str) -> None:
        """The recogniser failed: the track is FAILED with why; the video stays as it is."""
        self.check_not_deleted()
        self.captions.check_processing(language)
        reason = caption_failure_reason(reason)
        self.trigger_event(self.CaptionFailed, language=language, reason=reason)

    class CaptionFailed(CaptionEvent):
        reason: str

    def _caption_file(
        self,
        event: type[CaptionEvent],
        language: str,
        file: tuple[int, str],
        cue_count: int,
        **more: Any,
    ) -> None:
        """Record a track's new file, stored under the next version's key (``file``: the
        version, and the token its writer made the key its own with)."""
        version, token = file
        self.captions.check_file(version, cue_count)
        key = caption_key(self.tenant, self.video_id, language, version, token)
        self.trigger_event(
            event, language=language, version=version, file_key=key, cue_count=cue_count, **more
        )

    # Guards -------------------------------------------------------------------------------

    def check_not_deleted(self) -> None:
        if self.deleted:
            raise VideoDeleted("not_found")

    def check_status(self, *allowed: VideoStatus) -> None:
        self.check_not_deleted()
        if self.status not in allowed:
            raise IllegalTransition("invalid_status", f"Invalid status: {self.status}")

    def check_lease_owner(self, worker_id: str, now: datetime) -> None:
        check_lease_owner(self.leased_by, self.leased_until, worker_id, now)

    def check_playable(self) -> None:
        self.check_not_deleted()
        if self.status != VideoStatus.READY:
            raise NotReady("video_not_ready")

    def _release_lease(self) -> None:
        self.leased_by = ""
        self.leased_until = None
