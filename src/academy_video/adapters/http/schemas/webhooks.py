"""Webhook subscriptions, their delivery log, and the pull feed (this service's own API: unknown
fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from .common import StrictInput

# The domain bounds them again (domain/webhook_subscription.py); these keep a body small.
Url = Annotated[str, Meta(min_length=1, max_length=2048)]
Description = Annotated[str, Meta(max_length=500)]
EventTypes = Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=32)]


class WebhookIn(StrictInput, kw_only=True):
    url: Url
    event_types: EventTypes
    description: Description = ""
    enabled: bool = True


class WebhookChange(StrictInput, kw_only=True):
    url: Url | UnsetType = UNSET
    event_types: EventTypes | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class WebhookOut(Struct, kw_only=True):
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    # "" while enabled; "admin" when an admin turned it off, "failing" when deliveries did.
    disabled_reason: str
    disabled_at: datetime | None
    created_at: datetime
    secret_rotated_at: datetime | None
    secret: str | UnsetType = UNSET  # only in the answer that created or rotated it


class SecretOut(Struct):
    secret: str
    previous_valid_until: datetime


class Queued(Struct):
    queued: int


class PingOut(Struct):
    delivery_id: int


class AttemptOut(Struct):
    delivery_id: int
    message_id: str
    type: str
    at: datetime
    status_code: int | None
    duration_ms: int
    response: str
    error: str
    outcome: str


class FeedEvent(Struct):
    position: int
    id: str
    type: str
    timestamp: datetime
    tenant: str
    subject: str
    data: dict[str, Any]


class FeedOut(Struct):
    events: list[FeedEvent]
    next_after: int  # ask again with ?after= this
