"""Ports: what the use cases need from the world, as ``typing.Protocol``s.

Adapters live in ``academy_video.adapters``; the composition root (``bootstrap``) picks them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from academy_video.domain.event_budget import Window


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdAllocator(Protocol):
    def next_id(self, kind: str) -> int:
        """A fresh public integer id for ``kind`` (videos, permissions, progress), never reused."""
        ...


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    # Changes whenever the object is written again (S3: its ETag, unquoted; the local disk: a
    # version tag of size, write time and inode): what ``upload/complete`` probed is what a
    # worker transcodes only if this still matches.
    etag: str = ""


@dataclass(frozen=True)
class UploadedPart:
    part_number: int  # 1-based
    etag: str


MIN_PART_BYTES = 5 * 1024 * 1024  # S3's floor for every part but the last
MAX_PARTS = 10_000


class ObjectStorage(Protocol):
    """Where sources and outputs live (S3, or the local disk on the embedded default).

    Keys are relative paths such as ``videos/demo/10/<uuid>.mp4``; adapters refuse keys that try to
    leave their root. Clients upload and download with signed, expiring URLs, never through the
    service's memory.
    """

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        """A URL the client PUTs the file's bytes to."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A URL a client GETs the object from."""
        ...

    def source_url(self, key: str, expires_in: int) -> str:
        """A URL (or local path) a probe or transcoder can read the object from, with ranges."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """The object's size and ETag, or None if it does not exist."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a stream (close it); KeyError if it does not exist."""
        ...

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        """Store a local file under ``key`` (streamed, never read whole). ``move``: the file is
        disposable, and the store may take it over instead of copying it."""
        ...

    def delete(self, key: str) -> None:
        """Remove one object (nothing happens if it does not exist)."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were removed."""
        ...

    def start_multipart(self, key: str, content_type: str, *, part_size: int) -> str:
        """Begin a resumable upload of ``key`` in parts of at most ``part_size`` bytes (the last
        may be smaller); returns its upload id. Where the store takes the parts itself (the
        local disk) a larger part is refused (``TooLarge``); S3 cannot hold a presigned part to
        a size, so there the total is checked on what was joined."""
        ...

    def part_url(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        """A URL the client PUTs part ``part_number`` (1-based) to; the answer's ETag names it."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        """Join the parts, in order, into the object (ValueError if a part is missing or wrong).

        A store that knows the upload limit checks the parts' total first: over it, nothing is
        joined, the upload is dropped (as S3 drops an upload once completed) and ``TooLarge``
        is raised."""
        ...

    def abort_multipart(self, key: str, upload_id: str | None = None) -> int:
        """Drop one unfinished upload of ``key`` (or all of them); returns how many."""
        ...

    def seal(self, key: str) -> None:
        """Refuse, from now on and durably, every upload to ``key`` through the URLs already
        handed out (the object and its multipart parts: ``Conflict("upload_closed")``).

        Called once a source was confirmed, or its video deleted. Where the store takes the
        uploads itself (the local disk) it keeps a marker; S3 cannot revoke a presigned URL, so
        there it does nothing and the ETag recorded at confirmation protects the source."""
        ...


@dataclass(frozen=True)
class ProbeResult:
    """What a media probe found; ``reason`` is set when the file is not a usable video."""

    ok: bool
    reason: str = ""
    duration: float | None = None
    codec: str = ""
    width: int = 0
    height: int = 0

    def facts(self) -> dict[str, Any]:
        return {
            "duration": self.duration,
            "has_video": self.ok,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
        }


class MediaProbe(Protocol):
    def probe(self, url: str) -> ProbeResult:
        """Inspect the media at ``url`` without reading it whole."""
        ...


@dataclass(frozen=True)
class TranscodeOutput:
    hls_path: str
    duration: float
    thumbnail_key: str
    renditions: list[dict[str, Any]]


class TranscodeFailed(Exception):
    """The source cannot be transcoded; the message says why, for the instructor."""


class Transcoder(Protocol):
    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        """Produce the HLS ladder and thumbnail of a stored source and store them.

        ``progress(percent)`` is called as it goes; when ``cancelled()`` turns true it stops by
        raising. Raises ``TranscodeFailed`` with a readable reason for a bad source, and
        ``TranscodeFailed("source_changed")`` when ``source_etag`` (recorded when the upload was
        confirmed) no longer names the stored source: nothing is published then.
        """
        ...

    def discard(self, *, video_id: int, tenant: str) -> None:
        """Remove what ``transcode`` stored for the video (it was deleted meanwhile)."""
        ...


class SessionStore(Protocol):
    """Hot liveness of playback sessions (who plays now); a cache, not the record.

    A student is a user of a tenant: every operation names both, and user 7 of one tenant
    shares no limit, session or revocation with user 7 of another. Each operation is atomic:
    start checks limits and inserts in one step.
    """

    def start(
        self,
        *,
        tenant: str,
        user_id: int,
        session_id: str,
        device_id: str,
        now: datetime,
        ttl_seconds: int,
        max_sessions: int,
        max_devices: int,
    ) -> str | None:
        """Open a session; returns None, or the refusal (device/concurrency limit exceeded)."""
        ...

    def heartbeat(
        self, *, tenant: str, user_id: int, session_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        """Extend a live, unrevoked session owned by the student; False if it is not."""
        ...

    def is_active(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> bool: ...

    def end(self, *, tenant: str, user_id: int, session_id: str) -> None: ...

    def revoke(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> None: ...


class UrlSigner(Protocol):
    def sign(
        self, path: str, *, expires_at: int, user_id: int | None, session_id: str | None = None
    ) -> str:
        """A URL for ``path`` that the media edge accepts until ``expires_at`` (Unix seconds).

        ``session_id`` rides along (unsigned) so the key endpoint knows which session asks."""
        ...

    def scope(
        self, acl: str, *, expires_at: int, user_id: int, session_id: str | None = None
    ) -> str:
        """The query (without ``?``) that makes every path under the prefix ``acl`` (and the
        AES key of the video it holds) acceptable until ``expires_at``; empty when media URLs
        are not signed."""
        ...


class WorkerWaker(Protocol):
    def wake(self) -> None:
        """Nudge the transcoding workers (e.g. start their machine). Must not block."""
        ...


@dataclass(frozen=True)
class Lecture:
    lecture_id: int
    tenant: str
    title: str = ""


@dataclass(frozen=True)
class LectureSession:
    session_id: int
    lecture_id: int
    tenant: str
    title: str = ""


@dataclass(frozen=True)
class Student:
    student_id: int
    tenant: str
    user_id: int
    name: str = ""
    phone: str = ""
    parent_phone: str = ""
    school: str = ""
    grade: str = ""


@dataclass(frozen=True)
class Enrollment:
    """An enrollment as the use cases see it: joined with its student's user and name."""

    enrollment_id: int
    student_id: int
    user_id: int
    lecture_id: int
    tenant: str
    active: bool
    student_name: str = ""


class Directory(Protocol):
    """The academy roster, pushed by the platform (idempotent upserts) and read by the use
    cases. Adapters store and fetch; the rules (tenant, references) are in ``DirectorySync``.

    Each write checks the owner in the same atomic step that writes: it returns False, having
    written nothing, when the id (or link) is another tenant's. A revoked session access
    removes only the tenant's own link (and returns True)."""

    def lecture(self, lecture_id: int) -> Lecture | None: ...

    def session(self, session_id: int) -> LectureSession | None: ...

    def student(self, student_id: int) -> Student | None: ...

    def enrollment(self, enrollment_id: int) -> Enrollment | None:
        """None also when its student is unknown (an enrollment is only usable with a user)."""
        ...

    def has_session_access(self, session_id: int, enrollment_id: int) -> bool: ...

    def attendance(self, session_id: int, enrollment_id: int) -> str | None: ...

    def put_lecture(self, lecture: Lecture) -> bool: ...

    def put_session(self, session: LectureSession) -> bool: ...

    def put_student(self, student: Student) -> bool: ...

    def put_enrollment(
        self, *, enrollment_id: int, tenant: str, student_id: int, lecture_id: int, active: bool
    ) -> bool: ...

    def set_access(
        self, *, tenant: str, session_id: int, enrollment_id: int, granted: bool
    ) -> bool: ...

    def set_attendance(
        self, *, tenant: str, session_id: int, enrollment_id: int, status: str
    ) -> bool: ...


class JobQueue(Protocol):
    """Videos waiting for a worker: UPLOADED, or PROCESSING under a lease that ran out."""

    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> int | None:
        """Reserve the oldest claimable video for ``worker_id`` until ``until``; its id, or None.

        A reservation only keeps other claimers away; the Video aggregate has the final word.
        """
        ...


class SessionOrders(Protocol):
    def max_order(self, session_id: int) -> int:
        """The highest ``order`` among the lecture session's videos (0 if none)."""
        ...


class PlaybackVersions(Protocol):
    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        """(video policy version, the student's grant version), or None if the video is gone."""
        ...


@dataclass(frozen=True)
class Beat:
    """One call's claim on a live session: whose (tenant, user), which, and the versions its
    token carries."""

    tenant: str
    user_id: int
    session_id: str
    video_id: int
    enrollment_id: int
    policy_version: int
    grant_version: int


UNKNOWN = "unknown"  # the versions are not at hand: look them up, ``remember`` them, ask again


@dataclass(frozen=True)
class Seen:
    """What the live side knows of a ``Beat``: the current (policy, grant) versions (None: the
    video is gone; ``UNKNOWN``), and whether the session is live and unrevoked."""

    versions: tuple[int, int] | str | None
    alive: bool


class Heartbeats(Protocol):
    """The playback hot path (heartbeats and event batches), asynchronous: one round trip to
    the session store per call, or fewer, with no database query on the way."""

    async def beat(self, beat: Beat, *, now: datetime, ttl_seconds: int, extend: bool) -> Seen:
        """Check the session; with ``extend``, renew its liveness, but only if it is alive and
        the beat's versions are the current ones (a stale token keeps no slot busy)."""
        ...

    async def remember(
        self, video_id: int, enrollment_id: int, versions: tuple[int, int] | None
    ) -> None:
        """Keep the versions looked up after an ``UNKNOWN`` (never replacing newer ones)."""
        ...


class RateLimiter(Protocol):
    """How often a key (a user's starts, a session's key requests and player events) may be
    used: a sliding window (the last window's count, weighted by how much of it still
    overlaps, plus this one's)."""

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        """Count ``cost`` uses of ``key`` (a batch of n events costs n) and say yes, or say no
        (and count nothing) if they would take the window ending ``now`` past ``limit``."""
        ...

    def allow_all(self, windows: Sequence[Window], *, now: datetime, cost: int) -> Window | None:
        """``allow`` for several windows in one step: ``cost`` uses counted in every one, or in
        none; answers the first window they would take past its limit (None: all counted).
        Keys that share a ``{tag}`` are kept together (one Redis Cluster slot)."""
        ...

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        """Take back ``cost`` uses that ``allow`` counted at ``now`` (what they paid for was
        then refused): the window of ``now`` loses them, never going below zero."""
        ...


class PendingUploads(Protocol):
    def pending_before(self, cutoff: datetime) -> list[tuple[str, int]]:
        """(tenant, video id) of videos still PENDING that were reserved before ``cutoff``."""
        ...


class ActiveSessions(Protocol):
    def active(self) -> list[tuple[str, str, int]]:
        """(session_id, tenant, user_id) of every playback session recorded as ACTIVE."""
        ...

    def closed_since(self, since: datetime) -> list[tuple[str, str, int, bool]]:
        """(session_id, tenant, user_id, revoked) of the sessions recorded ENDED or REVOKED at
        or after ``since``."""
        ...
