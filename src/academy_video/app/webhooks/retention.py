"""Retention of the webhooks' history: what is older than ``keep_days`` (the setting
``ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS``) is pruned, never a pending delivery nor its message.
Run by ``academy-video webhooks prune`` and periodically by the delivery process."""

from __future__ import annotations

from academy_video.domain.webhook_retention import pruned_before

from ..ports import Clock, WebhookQueue


def prune_history(queue: WebhookQueue, clock: Clock, keep_days: int) -> int:
    """Delete the deliveries finished, and the messages that occurred, more than ``keep_days``
    ago (``WebhookQueue.prune``); how many rows went. ``keep_days`` must be more than the
    replay's span (``KeepTooShort`` otherwise): a replay never misses what it may ask for."""
    return queue.prune(pruned_before(clock.now(), keep_days))
