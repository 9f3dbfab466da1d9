"""Read views kept in memory, fed inline by the Applications' saves.

They answer the few questions the use cases ask of many aggregates at once: which video to
claim next, the last order in a lecture session, which playback sessions are open.
"""

from __future__ import annotations

import threading
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Recording

from academy_video.app.applications import event_name

DONE = frozenset(
    {"ProcessingCompleted", "ProcessingFailed", "Reencoded", "ReencodeFailed", "Deleted"}
)


class InMemoryJobQueue:
    """video id → (log position that queued it, lease end); plus the claimers' reservations."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[int, datetime | None]] = {}
        self._claims: dict[int, tuple[int, datetime]] = {}
        self._ids: dict[UUID, int] = {}
        self._lock = threading.Lock()

    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> int | None:
        with self._lock:
            for video_id, (seq, available_at) in sorted(
                self._entries.items(), key=lambda item: item[1][0]
            ):
                claim = self._claims.get(video_id)
                if available_at is not None and available_at >= now:
                    continue
                if claim is not None and claim[0] == seq and claim[1] >= now:
                    continue
                self._claims[video_id] = (seq, until)
                return video_id
        return None

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
                if name in ("UploadConfirmed", "RetryRequested", "ReencodeRequested"):
                    self._entries[video_id] = (recording.notification.id, None)
                elif name in ("ProcessingStarted", "LeaseExtended") and video_id in self._entries:
                    seq, _ = self._entries[video_id]
                    self._entries[video_id] = (seq, event.leased_until)  # type: ignore[attr-defined]
                elif name in DONE:
                    self._entries.pop(video_id, None)


class InMemorySessionOrders:
    def __init__(self) -> None:
        self._orders: dict[UUID, tuple[int, int]] = {}  # video → (session, order)
        self._deleted: set[UUID] = set()

    def max_order(self, session_id: int) -> int:
        orders = [
            o for v, (s, o) in self._orders.items() if s == session_id and v not in self._deleted
        ]
        return max(orders, default=0)

    def __call__(self, app_name: str, recordings: list[Recording[UUID]]) -> None:
        for recording in recordings:
            event = recording.domain_event
            name = event_name(event)
            if name == "Registered":
                self._orders[event.originator_id] = (event.session_id, event.order)  # type: ignore[attr-defined]
            elif name == "Edited":
                session_id, _ = self._orders[event.originator_id]
                self._orders[event.originator_id] = (session_id, event.order)  # type: ignore[attr-defined]
            elif name == "Deleted":
                self._deleted.add(event.originator_id)


class InMemoryActiveSessions:
    def __init__(self) -> None:
        self._active: dict[UUID, tuple[str, str, int]] = {}  # (session, tenant, user)
        self._closed: dict[UUID, tuple[str, str, int, bool, datetime]] = {}

    def active(self) -> list[tuple[str, str, int]]:
        return list(self._active.values())

    def closed_since(self, since: datetime) -> list[tuple[str, str, int, bool]]:
        # Asked with a moving "since": what it passed will not be asked for again.
        self._closed = {k: v for k, v in self._closed.items() if v[4] >= since}
        return [(s, t, u, revoked) for s, t, u, revoked, _ in self._closed.values()]

    def __call__(self, app_name: str, recordings: list[Recording[UUID]]) -> None:
        for recording in recordings:
            event = recording.domain_event
            name = event_name(event)
            if name == "Started":
                started = (event.session_id, event.tenant, event.user_id)  # type: ignore[attr-defined]
                self._active[event.originator_id] = started
            elif name in ("Ended", "Revoked", "Expired"):
                opened = self._active.pop(event.originator_id, None)
                if opened is not None and name != "Expired":
                    at: datetime = event.at  # type: ignore[attr-defined]
                    self._closed[event.originator_id] = (*opened, name == "Revoked", at)


class InMemoryPendingUploads:
    """video → (tenant, reserved at) while PENDING."""

    def __init__(self) -> None:
        self._pending: dict[UUID, tuple[str, int, datetime]] = {}

    def pending_before(self, cutoff: datetime) -> list[tuple[str, int]]:
        return sorted((t, v) for t, v, at in self._pending.values() if at < cutoff)

    def __call__(self, app_name: str, recordings: list[Recording[UUID]]) -> None:
        for recording in recordings:
            event = recording.domain_event
            name = event_name(event)
            if name == "Registered":
                self._pending[event.originator_id] = (
                    event.tenant,  # type: ignore[attr-defined]
                    event.video_id,  # type: ignore[attr-defined]
                    event.timestamp,  # type: ignore[attr-defined]
                )
            elif name in ("UploadConfirmed", "Deleted"):
                self._pending.pop(event.originator_id, None)
