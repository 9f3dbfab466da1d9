"""Retention of the webhooks' history: what is older than ``keep_days`` (the setting
``ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS``) is pruned; a pending delivery only when no one will send
it (its subscription deleted; or disabled, and the delivery queued before then). Run by
``academy-video webhooks prune`` and periodically by the delivery process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from academy_video.domain.webhook_retention import pruned_before

from ..ports import Clock, WebhookQueue


def prune_history(queue: WebhookQueue, clock: Clock, keep_days: int) -> int:
    """Delete the deliveries finished, and the messages that occurred, more than ``keep_days``
    ago; a disabled subscription's pending deliveries queued before then, and a deleted one's
    whatever their age (``WebhookQueue.prune``); how many rows went. ``keep_days`` must be
    more than the replay's span (``KeepTooShort`` otherwise): a replay never misses what it
    may ask for."""
    return queue.prune(pruned_before(clock.now(), keep_days))


class Background:
    """Work run on a thread of its own, one run at a time (one asked for while the last still
    runs is skipped): a delivery process's prune, which may take long, never holds up its
    leases and records. A daemon: a stopping process does not wait for it (a batch cut short
    rolls back)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._thread: threading.Thread | None = None

    def start(self, work: Callable[[], object]) -> bool:
        if self._thread is not None and self._thread.is_alive():
            return False
        self._thread = threading.Thread(target=self._run, args=(work,), name=self.name, daemon=True)
        self._thread.start()
        return True

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:
            logging.getLogger(__name__).exception("%s failed; tried again next time", self.name)
