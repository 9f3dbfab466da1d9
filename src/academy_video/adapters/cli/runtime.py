"""What ``serve`` runs beside the HTTP API: its settings, the periodic tasks (playback
reconciliation, the progress flush), the embedded worker and webhook deliveries, and the
collector's freeze."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import replace

from academy_video.app.config import Settings
from academy_video.bootstrap import Container

from .caption_worker import embedded_captions
from .common import log
from .maintenance import reconcile_playback
from .webhooks import embedded_webhooks
from .worker import embedded_worker

RECONCILE_SECONDS = 60.0


def served_settings(settings: Settings, *, host: str, port: int) -> Settings:
    """Where the service answers, unless set: its own address; and without S3 or a CDN, the
    media is served from here too."""
    if not settings.public_url:
        settings = replace(settings, public_url=f"http://{host}:{port}")
    if not settings.s3_bucket and not settings.cdn_base_url:
        settings = replace(settings, cdn_base_url=settings.public_url)  # media served here
    return settings


def start_beside(container: Container) -> list[Callable[[], object]]:
    """Start what runs beside the API; returns the shutdown steps, in order, the container's
    close last."""
    reconcile = every(RECONCILE_SECONDS, lambda: reconcile_playback(container), "reconcile")
    steps: list[Callable[[], object]] = [reconcile]
    if container.settings.embedded_worker:
        steps.append(embedded_worker(container))
    if container.settings.embedded_captions:
        steps.append(embedded_captions(container))
    if container.settings.embedded_webhooks and container.engine is not None:
        steps.append(embedded_webhooks(container))
    seconds = container.settings.progress_flush_seconds
    if seconds > 0:
        steps.append(every(seconds, container.progress.flush, "progress-flush"))
        steps.append(container.progress.drain)  # all that waits, a flush's worth at a time
    steps.append(container.close)
    return steps


def every(seconds: float, task: Callable[[], object], name: str) -> Callable[[], None]:
    """Run ``task`` every ``seconds`` in a daemon thread (errors are logged); returns the stop,
    which waits for a run in progress: what shuts down after it (the final flush, closing the
    container) must not race it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(seconds):
            try:
                task()
            except Exception:
                log.exception("%s failed; will try again", name)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join(timeout=30)  # a run stuck on a dead database must not hold shutdown forever

    return stopped


# Collections of the middle generation between two of the oldest (CPython's default: 10). The
# progresses kept for the next flush (one per watching student) make the oldest generation large
# and a full pass long; at 10, each flush's survivors started one or two (docs/benchmarks.md,
# Issue 22: progress writes). The youngest generations are collected as often as before.
FULL_COLLECTION_AFTER = 100


def tune_collector() -> None:
    """The collector's thresholds for a long-running API process (``serve``)."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)


def freeze_start_up_heap() -> None:
    """What start-up built lives as long as the process: keep it out of the collector's full
    passes, which otherwise pause the event loop long enough to be the heartbeat's p99 under
    load (measured: docs/benchmarks.md, Playback over HTTP)."""
    gc.collect()
    gc.freeze()
