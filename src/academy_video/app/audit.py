"""What an auditor can ask of the event log, and whether the log is still what was written.

- ``AuditTrail``: an aggregate's stored events, and a Video as it was at a version or a time,
  tenant-scoped like every other use case (another tenant's aggregate is ``NotFound``).
- ``verify_chain``: the tamper check. The projector seals every event it applies with a link of
  a per-aggregate HMAC chain (``link``), kept in a read-model table beside the log and written
  in the same transaction as the projection rows. Recomputing each link from the stored event
  and the previous stored link finds an event edited (the link differs), deleted (a link with
  no event) or slipped in (an event with no link) behind the service's back. Without the key
  nobody can forge a link. See docs/audit.md for what this does and does not guarantee.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification

from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.video import Video

from .applications import EventSourcedApp, event_name
from .errors import NotFound

# The envelope every event carries; the rest of its attributes are its data.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp"})
PAGE = 500


# Reading the log --------------------------------------------------------------------------


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
        self, videos: EventSourcedApp, grants: EventSourcedApp, sessions: EventSourcedApp
    ) -> None:
        self.videos, self.grants, self.sessions = videos, grants, sessions

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


# The seal -----------------------------------------------------------------------------------


def link(key: bytes, previous: str, notification: Notification) -> str:
    """One link of an aggregate's chain, hex: HMAC-SHA256 over the previous link and everything
    stored of the event (id, version, topic, payload bytes as stored: compressed, encrypted).
    The first event's previous link is ``""``. Fields are length-prefixed: no two different
    events can feed the HMAC the same bytes."""
    topic, before = notification.topic.encode(), previous.encode()
    message = b"".join(
        (
            len(before).to_bytes(4, "big"),
            before,
            as_uuid(notification.originator_id).bytes,
            notification.originator_version.to_bytes(8, "big"),
            len(topic).to_bytes(4, "big"),
            topic,
            notification.state,
        )
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


Key = tuple[UUID, int]  # (aggregate id, version)


class SealedChain(Protocol):
    """The stored links, read in one consistent snapshot together with the positions up to
    which each log has been sealed."""

    def position(self, app_name: str) -> int:
        """The last notification id of ``app_name``'s log that has been sealed."""
        ...

    def links(self, app_name: str, keys: Iterable[Key]) -> dict[Key, str]:
        """The stored links of these (aggregate, version)s; absent ones are left out."""
        ...

    def counts(self, app_name: str) -> Iterator[tuple[UUID, int]]:
        """How many links each aggregate of ``app_name`` has."""
        ...

    def versions(self, app_name: str, aggregate_id: UUID) -> list[int]: ...


class Seals(Protocol):
    def snapshot(self) -> AbstractContextManager[SealedChain]: ...


Kind = Literal["edited", "missing", "unexpected"]
WHAT: dict[Kind, str] = {
    "edited": "stored event differs from what was sealed (edited)",
    "missing": "sealed event is missing from the log (deleted)",
    "unexpected": "stored event was never sealed (inserted behind the service's back)",
}


@dataclass(frozen=True)
class Finding:
    application: str
    aggregate_id: UUID
    version: int
    kind: Kind

    def describe(self) -> str:
        return f"{self.application} {self.aggregate_id} v{self.version}: {WHAT[self.kind]}"


@dataclass
class ChainReport:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # events checked per Application
    unsealed: dict[str, int] = field(default_factory=dict)  # stored after the sealed position

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_chain(
    apps: Iterable[EventSourcedApp],
    seals: Seals,
    key: bytes,
    *,
    page: int = PAGE,
    progress: Callable[[str, int], None] | None = None,
) -> ChainReport:
    """Walk each log up to its sealed position, recompute every link from the stored event and
    the stored previous link, and compare. Each link is checked on its own, so a finding names
    the very event that changed rather than everything after it."""
    report = ChainReport()
    with seals.snapshot() as chain:
        for app in apps:
            position = chain.position(app.name)
            matched: dict[UUID, int] = {}  # per aggregate: events that have a link
            checked, last = 0, 0
            while last < position:
                notifications = app.recorder.select_notifications(
                    start=last, limit=page, stop=position, inclusive_of_start=False
                )
                if not notifications:
                    break
                report.findings += _check(app.name, notifications, chain, key, matched)
                checked += len(notifications)
                last = notifications[-1].id
                if progress is not None:
                    progress(app.name, checked)
            report.findings += _missing(app, chain, matched)
            report.checked[app.name] = checked
            report.unsealed[app.name] = max(0, (app.recorder.max_notification_id() or 0) - last)
    return report


def _check(
    app_name: str,
    notifications: Sequence[Notification],
    chain: SealedChain,
    key: bytes,
    matched: dict[UUID, int],
) -> list[Finding]:
    wanted: set[Key] = set()
    for n in notifications:
        aggregate_id = as_uuid(n.originator_id)
        wanted |= {(aggregate_id, n.originator_version), (aggregate_id, n.originator_version - 1)}
    stored = chain.links(app_name, wanted)
    findings = []
    for n in notifications:
        aggregate_id, version = as_uuid(n.originator_id), n.originator_version
        sealed = stored.get((aggregate_id, version))
        if sealed is None:
            findings.append(Finding(app_name, aggregate_id, version, "unexpected"))
            continue
        matched[aggregate_id] = matched.get(aggregate_id, 0) + 1
        expected = link(key, stored.get((aggregate_id, version - 1), ""), n)
        if not hmac.compare_digest(sealed.encode(), expected.encode()):
            findings.append(Finding(app_name, aggregate_id, version, "edited"))
    return findings


def _missing(app: EventSourcedApp, chain: SealedChain, matched: dict[UUID, int]) -> list[Finding]:
    """Links with no event: only aggregates with more links than matched events are looked at
    (memory grows with aggregates, not events)."""
    findings = []
    for aggregate_id, sealed in chain.counts(app.name):
        if sealed == matched.get(aggregate_id, 0):
            continue
        stored = {e.originator_version for e in app.recorder.select_events(aggregate_id)}
        for version in chain.versions(app.name, aggregate_id):
            if version not in stored:
                findings.append(Finding(app.name, aggregate_id, version, "missing"))
    return findings
