"""``academy-video worker``: a transcoding worker process, jobs over the worker API; and the
worker ``serve`` embeds when ``ACADEMY_VIDEO_EMBEDDED_WORKER`` is on."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from collections.abc import Callable

from academy_video.adapters.media import sandbox
from academy_video.app.config import Settings
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import Container, object_storage, transcoder_for

from .common import Subcommands, configure_logs, in_background, log, refuse


def add_commands(commands: Subcommands) -> None:
    worker = commands.add_parser("worker", help="run a transcoding worker against the worker API")
    worker.add_argument("--api", required=True, help="the service's base URL, e.g. http://api:8000")
    worker.add_argument("--id", default=f"{socket.gethostname()}-{os.getpid()}")
    worker.add_argument("--poll", type=float, default=2.0, help="seconds between empty polls")
    worker.set_defaults(run=run_worker)


def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    """A worker process: jobs over HTTP, outputs straight to storage."""
    from academy_video.adapters.worker_api import HttpJobs

    sandbox.prepare()  # media is decoded in its children; first, before any thread starts
    if not configure_logs(settings):  # the same lines as serve's (without a request id)
        return 2
    if not settings.worker_token:
        return refuse("ACADEMY_VIDEO_WORKER_TOKEN is required")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    jobs = HttpJobs(args.api, token=settings.worker_token, worker_id=args.id, stop=stop)
    storage = object_storage(settings.with_local_secrets())
    worker = Worker(
        jobs,
        transcoder_for(settings, storage),
        poll_seconds=args.poll,
        heartbeat_seconds=settings.worker_lease_seconds / 3,
    )
    log.info("worker %s: polling %s", args.id, args.api)
    try:
        worker.run(stop)
    finally:
        jobs.close()
    log.info("worker %s: stopped", args.id)
    return 0


def embedded_worker(container: Container) -> Callable[[], None]:
    """Run the transcoding worker in this process; returns how to stop it."""
    worker = Worker(
        ServiceJobs(container.jobs, f"embedded-{socket.gethostname()}-{os.getpid()}"),
        container.transcoder,
        heartbeat_seconds=container.settings.worker_lease_seconds / 3,
    )
    return in_background(worker.run, "worker")
