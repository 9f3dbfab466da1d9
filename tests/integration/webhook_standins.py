"""Stand-ins for the webhooks' domain while it is built beside the SQL part (issue 20): a
subscription aggregate with the state attributes and event names of ``WebhookSubscription``,
a small public event catalogue, and subscriptions written straight into the projected tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from sqlalchemy import Engine

from academy_video.adapters.sql.outbox import enqueue
from academy_video.adapters.sql.webhook_tables import (
    webhook_subscription_types,
    webhook_subscriptions,
)
from academy_video.app.applications import event_name
from academy_video.domain.webhook_catalogue import PublicEvent


class StandinSubscription(Aggregate):
    """``WebhookSubscription``'s state attributes and event names, nothing of its rules."""

    @event("Created")
    def __init__(
        self, tenant: str, url: str, event_types: list[str], description: str, at: datetime
    ) -> None:
        self.tenant, self.url, self.description = tenant, url, description
        self.event_types = tuple(event_types)
        self.enabled, self.disabled_reason = True, ""
        self.disabled_at: datetime | None = None
        self.created_at = at
        self.secret_rotated_at: datetime | None = None
        self.deleted = False

    @event("Changed")
    def change(self, event_types: list[str], description: str) -> None:
        self.event_types, self.description = tuple(event_types), description

    @event("SecretRotated")
    def rotated(self, at: datetime) -> None:
        self.secret_rotated_at = at

    @event("Disabled")
    def disable(self, reason: str, at: datetime) -> None:
        self.enabled, self.disabled_reason, self.disabled_at = False, reason, at

    @event("Enabled")
    def enable(self) -> None:
        self.enabled, self.disabled_reason, self.disabled_at = True, "", None

    @event("Deleted")
    def delete(self) -> None:
        self.deleted = True


# Videos' events that become public ones here (the real catalogue is the domain's).
VIDEO_TYPES = {"UploadConfirmed": "video.uploaded", "ProcessingCompleted": "video.ready"}


def standin_public_events(app_name: str, event: object, state: Any) -> list[PublicEvent]:
    kind = VIDEO_TYPES.get(event_name(event)) if app_name == "Videos" else None
    if kind is None:
        return []
    return [
        PublicEvent(
            type=kind,
            tenant=state.tenant,
            subject=f"video:{state.video_id}",
            occurred_at=state.modified_on,
            data={"video_id": state.video_id},
        )
    ]


def subscribe(
    engine: Engine, tenant: str, types: list[str], *, enabled: bool = True, at: datetime
) -> UUID:
    """A subscription's projected rows, as ``project_webhook`` writes them."""
    subscription = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            webhook_subscriptions.insert().values(
                aggregate_id=subscription,
                tenant=tenant,
                url=f"https://hooks.example/{subscription}",
                description="",
                enabled=enabled,
                disabled_reason="" if enabled else "admin",
                disabled_at=None if enabled else at,
                created_at=at,
                secret_rotated_at=None,
                event_types=types,
            )
        )
        for kind in types:
            conn.execute(
                webhook_subscription_types.insert().values(
                    subscription_id=subscription, tenant=tenant, type=kind
                )
            )
    return subscription


def publish(engine: Engine, *events: PublicEvent, now: datetime, source: str = "Test") -> int:
    """Public events enqueued as the projector enqueues them (ids from ``source`` and a
    counter); how many deliveries were queued."""
    rows = [
        {
            "message_id": f"msg_{source.lower()}{uuid.uuid4().hex[:20]}",
            "tenant": e.tenant,
            "type": e.type,
            "subject": e.subject,
            "occurred_at": e.occurred_at,
            "data": e.data,
        }
        for e in events
    ]
    with engine.begin() as conn:
        return enqueue(conn, rows, now=now)
