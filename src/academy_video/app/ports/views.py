"""Read views the use cases query (kept by the projector in SQL, by listeners in memory)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


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


class Completions(Protocol):
    def is_completed(self, video_id: int, enrollment_id: int) -> bool:
        """Whether the student completed the video, as the progress read model has it (one
        row: never the progress's history)."""
        ...


class PlaybackVersions(Protocol):
    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        """(video policy version, the student's grant version), or None if the video is gone."""
        ...
