"""Webhooks: the WebhookSubscription aggregates' application (each tenant's webhook targets)."""

from __future__ import annotations

from ..applications import EventSourcedApp


class Webhooks(EventSourcedApp):
    """Its own event store, like the other four: subscriptions are audited like them."""
