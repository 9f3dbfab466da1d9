"""The caption worker ``serve`` embeds when ``ACADEMY_VIDEO_EMBEDDED_CAPTIONS`` is on (the
default): it transcribes requested auto tracks in this process's sandboxed children."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from academy_video.app.caption_worker import CaptionWorker
from academy_video.bootstrap import Container

from .common import in_background


def embedded_captions(container: Container) -> Callable[[], None]:
    """Run the caption worker in this process; returns how to stop it."""
    worker = CaptionWorker(
        container.caption_jobs,
        container.speech,
        f"captions-{socket.gethostname()}-{os.getpid()}",
        heartbeat_seconds=container.settings.caption_lease_seconds / 3,
    )
    return in_background(worker.run, "captions")
