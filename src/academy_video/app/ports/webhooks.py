"""Webhooks: what delivery needs from the world (an HTTP client that refuses private targets, the
subscriptions' secrets, and the queue of deliveries kept beside the read models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

# A receiver's answer kept in the delivery log, at most this many characters.
MAX_RESPONSE_CHARS = 1024


@dataclass(frozen=True)
class WebhookRequest:
    """One POST to a subscription's target: ``body`` is the JSON sent, ``headers`` already signed
    (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``, ``content-type``)."""

    url: str
    body: bytes
    headers: dict[str, str]
    tenant: str = ""  # whose: a tenant's hung name lookups hold back only its own


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt got. ``status`` is None when no HTTP answer came; ``error`` then says why
    (``timeout``, ``connect``, ``dns``, ``refused_address: <why>``, ``invalid_url``, ...). A
    redirect is a failure (3xx status, never followed)."""

    status: int | None
    duration_ms: int
    response: str = ""  # the answer's first MAX_RESPONSE_CHARS characters
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender(Protocol):
    def send(self, request: WebhookRequest) -> DeliveryResult:
        """POST once, within the timeouts (the total one deadline for the whole attempt), to
        an address the target rule allows; never raises for what the target does (it is the
        result). Called from several threads at once."""
        ...

    def close(self) -> None:
        """Close its connections (the process is stopping)."""
        ...


class WebhookSecrets(Protocol):
    """Signing secrets by subscription, outside the event log (events are replayed and
    audited; a secret must never appear there)."""

    def add(self, subscription_id: UUID, secret: str, *, now: datetime) -> None:
        """``secret`` becomes the current one; any older stays valid until it expires."""
        ...

    def rotate(
        self, subscription_id: UUID, secret: str, *, now: datetime, old_valid_until: datetime
    ) -> None:
        """``secret`` becomes current; those valid now stay valid until ``old_valid_until``."""
        ...

    def valid(self, subscription_id: UUID, *, now: datetime) -> list[str]:
        """The secrets deliveries are signed with now, the current one first."""
        ...

    def drop(self, subscription_id: UUID) -> None: ...


@dataclass(frozen=True)
class Message:
    """A public event as stored for delivery and for the feed: ``position`` orders every message
    (the feed's cursor); ``message_id`` is its ``webhook-id``, the same in every retry."""

    position: int
    message_id: str
    tenant: str
    type: str
    subject: str
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: int
    subscription_id: UUID
    url: str
    message: Message
    attempt: int  # how many attempts were made before this one
    first_attempt_at: datetime | None


@dataclass(frozen=True)
class Finished:
    """One attempt's end: delivered, or due again at ``next_attempt_at``, or failed for good
    (neither)."""

    delivery_id: int
    result: DeliveryResult
    at: datetime
    next_attempt_at: datetime | None
    delivered: bool


@dataclass(frozen=True)
class AttemptRecord:
    delivery_id: int
    message_id: str
    type: str
    at: datetime
    status: int | None
    duration_ms: int
    response: str
    error: str
    outcome: str  # "delivered", "retrying", "failed"


class WebhookQueue(Protocol):
    """Deliveries waiting, leased, done; kept in SQL beside the read models. Messages and their
    deliveries are written by the projector, in the transaction that moves its position."""

    def lease(
        self,
        *,
        owner: str,
        now: datetime,
        until: datetime,
        limit: int,
        skip_tenants: frozenset[str] = frozenset(),
    ) -> list[DueDelivery]:
        """Up to ``limit`` deliveries due now, leased to ``owner`` until ``until``: pending, due,
        not under another live lease, their subscription enabled, and no earlier undelivered
        delivery of the same subscription and subject (one subject's events go in order).
        Taken from the tenants in turn (each one's first, then each one's second, ...), so one
        tenant's backlog never fills a lease; none of ``skip_tenants`` (the caller holds
        enough of theirs)."""
        ...

    def finish(self, finished: list[Finished], *, owner: str) -> set[int]:
        """Record these attempts, in one transaction; the delivery ids recorded. One that
        ``owner`` no longer holds (another process leased it since) is left unchanged."""
        ...

    def release(self, delivery_ids: list[int], *, owner: str) -> int:
        """Give back leased deliveries that were not attempted (the process is stopping): due
        again at once for any process, instead of when their lease runs out. One ``owner`` no
        longer holds is left unchanged. How many were given back."""
        ...

    def last_success(self, subscription_id: UUID) -> datetime | None: ...

    def attempts(self, subscription_id: UUID, *, limit: int) -> list[AttemptRecord]:
        """The most recent attempts first."""
        ...

    def replay_size(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        """How many messages ``replay`` would queue now."""
        ...

    def replay(self, subscription_id: UUID, *, since: datetime, until: datetime) -> int:
        """Deliver again every message of the subscription's tenant and types that occurred in
        [since, until); how many deliveries were queued."""
        ...

    def ping(self, subscription_id: UUID, message: Message) -> int:
        """Queue a one-off message to this subscription only; its delivery id."""
        ...

    def feed(self, tenant: str, *, after: int, limit: int) -> list[Message]:
        """The tenant's messages after position ``after``, oldest first."""
        ...

    def prune(self, before: datetime) -> int:
        """Delete the history older than ``before``: deliveries delivered or given up before
        it, with their attempts; the pending deliveries no one will send (a deleted
        subscription's, whatever their age; a disabled one's queued before ``before``), with
        theirs, unless leased and in flight; then the messages that occurred before it and
        that no delivery still refers to (a pending one's message is kept, whatever its age).
        In short transactions of a bounded batch each, so writers never wait long on it; how
        many rows were deleted (deliveries, attempts and messages)."""
        ...
