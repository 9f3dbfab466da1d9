"""The loop a worker runs: claim a job, do it, wait a little when there is none; one job's
surprise is logged and never ends the loop (the transcoding and the caption workers)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
J = TypeVar("J")


def work_until(
    stop: threading.Event,
    claim: Callable[[], J | None],
    process: Callable[[J, threading.Event], object],
    *,
    poll_seconds: float,
    name: str,
    describe: Callable[[J], str],
) -> None:
    """Work until ``stop`` is set."""
    while not stop.is_set():
        try:
            job = claim()
        except Exception:
            log.exception("%s: claiming failed; trying again", name)
            job = None
        if job is None:
            stop.wait(poll_seconds)
            continue
        try:
            process(job, stop)
        except Exception:
            log.exception("%s: %s could not be processed", name, describe(job))
