"""The auto-caption queue: the PROCESSING auto tracks, each leased to one caption worker at a
time (kept by the projector in SQL, by a listener in memory).

A track's row comes with its ``CaptionRequested`` and goes with its ``CaptionTranscribed``,
``CaptionFailed``, ``CaptionRemoved`` or the video's deletion. The lease, the attempts and the
progress are the queue's own (never events): a worker that dies leaves its lease to run out, and
the next claim counts one more attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CaptionJobRef:
    video_id: int
    language: str
    attempt: int  # 1 for the first claim of this request, one more for each claim after


class CaptionJobQueue(Protocol):
    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> CaptionJobRef | None:
        """Lease the oldest track whose request has no live lease to ``worker_id`` until
        ``until``, counting the attempt; None when there is none."""
        ...

    def extend(self, ref: CaptionJobRef, *, worker_id: str, until: datetime, progress: int) -> bool:
        """Renew ``worker_id``'s lease and record the percent done; False if the lease is no
        longer its own (it ran out and was taken, or the track is gone)."""
        ...

    def progress(self, video_id: int) -> dict[str, int]:
        """Language → percent done of the video's tracks in work (0 while waiting)."""
        ...
