"""The public events the academy's other systems receive (webhooks and the pull feed): which
domain event becomes which public event, and what it carries. One place, so the catalogue in
``docs/webhooks.md`` and what is sent cannot drift apart.

A public event carries the tenant, the ids and the fields a consumer needs; never a secret, a
token, a storage key or a student's personal data beyond their ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The public types, in the order the catalogue documents them. ``webhook.ping`` is only ever sent
# by the test endpoint; it cannot be subscribed to.
EVENT_TYPES: tuple[str, ...] = (
    "video.uploaded",
    "video.ready",
    "video.failed",
    "video.deleted",
    "permission.changed",
    "progress.completed",
    "session.revoked",
    "session.ended",
)
PING = "webhook.ping"


@dataclass(frozen=True)
class PublicEvent:
    """One public event: ``subject`` names the aggregate it is about (``video:42``); a consumer
    receives one subject's events in the order they happened."""

    type: str
    tenant: str
    subject: str
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def public_events(app_name: str, event: object, state: object) -> list[PublicEvent]:
    """The public events of one stored domain event of Application ``app_name``, given the
    aggregate ``state`` as it stands after it (most domain events have none)."""
    del app_name, event, state  # the catalogue is filled in by the domain work on issue 20
    return []
