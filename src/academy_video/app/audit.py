"""What an auditor can ask of the event log: an aggregate's stored events, and a Video as it
was at a version or a time (``AuditTrail``), tenant-scoped like every other use case (another
tenant's aggregate is ``NotFound``). Whether the log is still what was written is
``audit_seal.py: verify_chain``, re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.video import Video

from .applications import EventSourcedApp, event_name
from .audit_seal import verify_chain
from .errors import NotFound

__all__ = [
    "AggregateState",
    "AuditEvent",
    "AuditTrail",
    "audit_event",
    "iso",
    "jsonable",
    "parse_time",
    "verify_chain",
]

# The envelope every event carries; the rest of its attributes are its data.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp"})


@dataclass(frozen=True)
class AuditEvent:
    version: int
    type: str
    timestamp: str  # ISO-8601 UTC
    data: dict[str, Any]


@dataclass(frozen=True)
class AggregateState:
    version: int
    created_at: str
    updated_at: str
    state: dict[str, Any]  # the aggregate's attributes at that version


class AuditTrail:
    """``tenant=None`` is the operator's view (the CLI): every tenant's aggregates."""

    def __init__(
        self,
        videos: EventSourcedApp,
        grants: EventSourcedApp,
        sessions: EventSourcedApp,
        webhooks: EventSourcedApp | None = None,
    ) -> None:
        self.videos, self.grants, self.sessions = videos, grants, sessions
        self.webhooks = webhooks

    def video_events(self, tenant: str | None, video_id: int) -> list[AuditEvent]:
        events = self._events(self.videos, Video.create_id(video_id), tenant)
        return [audit_event(e) for e in events]

    def session_events(self, tenant: str | None, session_id: str) -> list[AuditEvent]:
        events = self._events(self.sessions, PlaybackSession.create_id(session_id), tenant)
        return [audit_event(e) for e in events]

    def permission_events(
        self, tenant: str | None, video_id: int, enrollment_id: int
    ) -> list[AuditEvent]:
        aggregate_id = PermissionGrant.create_id(video_id, enrollment_id)
        return [audit_event(e) for e in self._events(self.grants, aggregate_id, tenant)]

    def webhook_events(self, tenant: str | None, subscription_id: UUID) -> list[AuditEvent]:
        """A webhook subscription's stored events (its secrets are never in them)."""
        if self.webhooks is None:
            raise NotFound()
        return [audit_event(e) for e in self._events(self.webhooks, subscription_id, tenant)]

    def video_state(
        self,
        tenant: str | None,
        video_id: int,
        *,
        version: int | None = None,
        at: datetime | None = None,
    ) -> AggregateState:
        """The Video after event ``version``, or after the last event at or before ``at``
        (neither: as it is now). NotFound when it did not exist yet, or has no such version."""
        events = self._events(self.videos, Video.create_id(video_id), tenant)
        if version is not None:
            events = [e for e in events if e.originator_version <= version]
            if not events or events[-1].originator_version != version:
                raise NotFound()
        if at is not None:
            events = [e for e in events if e.timestamp <= _utc(at)]
            if not events:
                raise NotFound()
        aggregate: Aggregate | None = None
        for event in events:  # the aggregate's own mutators, as the repository would apply them
            aggregate = event.mutate(aggregate)
        assert aggregate is not None
        return AggregateState(
            version=aggregate.version,
            created_at=iso(aggregate.created_on),
            updated_at=iso(aggregate.modified_on),
            state={k: jsonable(v) for k, v in vars(aggregate).items() if not k.startswith("_")},
        )

    @staticmethod
    def _events(app: EventSourcedApp, aggregate_id: UUID, tenant: str | None) -> list[Any]:
        events = list(app.events.get(aggregate_id))
        # The creation event names the tenant; nothing here says whether another tenant's exists.
        if not events or (tenant is not None and getattr(events[0], "tenant", None) != tenant):
            raise NotFound()
        return events


def audit_event(event: Any) -> AuditEvent:
    return AuditEvent(
        version=event.originator_version,
        type=event_name(event),
        timestamp=iso(event.timestamp),
        data={k: jsonable(v) for k, v in vars(event).items() if k not in ENVELOPE},
    )


def parse_time(text: str) -> datetime:
    """ISO-8601; a time without an offset is taken as UTC. ValueError when it does not parse, or
    names a time UTC cannot hold (``0001-01-01T00:00+14:00``)."""
    try:
        return _utc(datetime.fromisoformat(text))
    except OverflowError:
        raise ValueError(f"out of range: {text}") from None


def iso(value: datetime) -> str:
    """``2024-05-01T12:00:00.123456Z``: the same form as the API's other times."""
    return _utc(value).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """Event and aggregate attributes as JSON values: times ISO strings, UUIDs strings, enums
    their value, dataclasses objects."""
    if isinstance(value, Enum):
        return jsonable(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Iterable):
        return [jsonable(v) for v in value]
    return str(value)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
