"""Retention of the webhooks' history: what is older than ``keep_days`` (the setting
``ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS``) is pruned; a pending delivery only when no one will send
it (its subscription deleted; or disabled, and the delivery queued before then). Run by
``academy-video webhooks prune`` and periodically by the delivery process."""

from __future__ import annotations

from academy_video.domain.webhook_retention import pruned_before

from ..ports import Clock, WebhookQueue


def prune_history(queue: WebhookQueue, clock: Clock, keep_days: int) -> int:
    """Delete the deliveries finished, and the messages that occurred, more than ``keep_days``
    ago; a disabled subscription's pending deliveries queued before then, and a deleted one's
    whatever their age (``WebhookQueue.prune``); how many rows went. ``keep_days`` must be
    more than the replay's span (``KeepTooShort`` otherwise): a replay never misses what it
    may ask for."""
    return queue.prune(pruned_before(clock.now(), keep_days))
