"""How often a tenant's admins may send test pings (``POST /webhooks/{id}/test``). Each ping is a
stored message, a delivery and an attempt against the target: unbounded, one admin token could
fill the outbox and keep the delivery threads busy with one host. Counted by the
``RateLimiter`` port in sliding windows, all of a ping's at once (a refused ping counts in
none)."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from .event_budget import Window

PINGS_PER_SUBSCRIPTION_PER_MINUTE: Final = 5
PINGS_PER_TENANT_PER_MINUTE: Final = 20
PINGS_PER_TENANT_PER_DAY: Final = 500


def ping_windows(tenant: str, subscription_id: UUID) -> list[Window]:
    """The windows one ping to ``subscription_id`` counts in: that subscription's minute, and
    the tenant's minute and day (every subscription of the tenant together). Their keys share
    one ``{tag}`` (one Redis Cluster slot: the limiter counts them in one step)."""
    pings = f"pings:{{t:{tenant}}}"
    return [
        Window(f"{pings}:w:{subscription_id}", PINGS_PER_SUBSCRIPTION_PER_MINUTE, 60),
        Window(f"{pings}:minute", PINGS_PER_TENANT_PER_MINUTE, 60),
        Window(f"{pings}:day", PINGS_PER_TENANT_PER_DAY, 86_400),
    ]
