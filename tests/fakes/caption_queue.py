"""The auto-caption queue in memory, fed inline by the Videos Application's saves (as
``adapters/sql/caption_queue.py`` is by the projector)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Recording

from academy_video.app.applications import event_name
from academy_video.app.ports import CaptionJobRef

ENDING = frozenset({"CaptionTranscribed", "CaptionFailed", "CaptionRemoved"})


@dataclass
class Entry:
    queued_seq: int
    claimed_seq: int | None = None
    claimed_by: str = ""
    claimed_until: datetime | None = None
    attempts: int = 0
    progress: int = 0


class InMemoryCaptionQueue:
    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], Entry] = {}
        self._ids: dict[UUID, int] = {}
        self._lock = threading.Lock()

    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> CaptionJobRef | None:
        with self._lock:
            for (video_id, language), entry in sorted(
                self._entries.items(), key=lambda item: item[1].queued_seq
            ):
                live = entry.claimed_seq == entry.queued_seq
                if live and entry.claimed_until is not None and entry.claimed_until >= now:
                    continue
                entry.attempts = entry.attempts + 1 if live else 1
                entry.claimed_seq, entry.claimed_by = entry.queued_seq, worker_id
                entry.claimed_until, entry.progress = until, 0
                return CaptionJobRef(video_id, language, entry.attempts)
        return None

    def extend(self, ref: CaptionJobRef, *, worker_id: str, until: datetime, progress: int) -> bool:
        with self._lock:
            entry = self._entries.get((ref.video_id, ref.language))
            if (
                entry is None
                or entry.claimed_by != worker_id
                or entry.claimed_seq != entry.queued_seq
                or entry.attempts != ref.attempt
            ):
                return False
            entry.claimed_until, entry.progress = until, progress
            return True

    def progress(self, video_id: int) -> dict[str, int]:
        with self._lock:
            return {
                language: entry.progress if entry.claimed_seq == entry.queued_seq else 0
                for (vid, language), entry in self._entries.items()
                if vid == video_id
            }

    def __call__(self, app_name: str, recordings: list[Recording[UUID]]) -> None:
        with self._lock:
            for recording in recordings:
                event = recording.domain_event
                name = event_name(event)
                if name in ("Registered", "Imported"):
                    self._ids[event.originator_id] = event.video_id  # type: ignore[attr-defined]
                    continue
                video_id = self._ids.get(event.originator_id)
                if video_id is None:
                    continue
                if name == "CaptionRequested":
                    key = (video_id, event.language)  # type: ignore[attr-defined]
                    old = self._entries.get(key)
                    entry = Entry(recording.notification.id)
                    if old is not None:  # the claimers' columns stay, as in SQL
                        entry.claimed_seq, entry.attempts = old.claimed_seq, old.attempts
                    self._entries[key] = entry
                elif name in ENDING:
                    self._entries.pop((video_id, event.language), None)  # type: ignore[attr-defined]
                elif name == "Deleted":
                    for key in [k for k in self._entries if k[0] == video_id]:
                        del self._entries[key]
