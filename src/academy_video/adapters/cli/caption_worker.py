"""``academy-video captions work``: a caption worker process on the service's stores (the
events and read models the settings name), for deployments that turn
``ACADEMY_VIDEO_EMBEDDED_CAPTIONS`` off; and the one ``serve`` embeds otherwise. Either
transcribes requested auto tracks in its own sandboxed children."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from collections.abc import Callable

from academy_video.adapters.media import sandbox
from academy_video.app.caption_worker import CaptionWorker
from academy_video.app.config import Settings
from academy_video.bootstrap import Container, build

from .common import Subcommands, configure_logs, in_background, log


def add_commands(commands: Subcommands) -> None:
    captions = commands.add_parser("captions", help="the auto-caption worker")
    captions.add_argument("action", choices=["work"])
    captions.add_argument("--id", default=f"captions-{socket.gethostname()}-{os.getpid()}")
    captions.add_argument("--poll", type=float, default=2.0, help="seconds between empty polls")
    captions.set_defaults(run=run_captions)


def run_captions(args: argparse.Namespace, settings: Settings) -> int:
    """Until SIGTERM or SIGINT, which cancel the recogniser (the track is taken up again once
    its lease runs out)."""
    sandbox.prepare()  # sound is decoded in its children; first, before any thread starts
    if not configure_logs(settings):
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    container = build(settings.with_local_secrets())
    log.info("captions %s: working", args.id)
    try:
        caption_worker(container, args.id, poll_seconds=args.poll).run(stop)
    finally:
        container.close()
    log.info("captions %s: stopped", args.id)
    return 0


def caption_worker(container: Container, worker_id: str, *, poll_seconds: float) -> CaptionWorker:
    return CaptionWorker(
        container.caption_jobs,
        container.speech,
        worker_id,
        poll_seconds=poll_seconds,
        heartbeat_seconds=container.settings.caption_lease_seconds / 3,
    )


def embedded_captions(container: Container) -> Callable[[], None]:
    """Run the caption worker in this process; returns how to stop it."""
    worker_id = f"captions-{socket.gethostname()}-{os.getpid()}"
    return in_background(caption_worker(container, worker_id, poll_seconds=2.0).run, "captions")
