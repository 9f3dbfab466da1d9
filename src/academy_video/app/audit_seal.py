"""The tamper check: is the event log still what was written?

The projector seals every event it applies with a link of a per-aggregate HMAC chain (``link``),
kept in a read-model table beside the log and written in the same transaction as the projection
rows. ``verify_chain`` recomputes each link from the stored event and the previous stored link,
and so finds an event edited (the link differs), deleted (a link with no event) or slipped in (an
event with no link) behind the service's back. Without the key nobody can forge a link. See
docs/audit.md for what this does and does not guarantee.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Literal, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from .applications import EventSourcedApp

PAGE = 500


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
