"""``academy-video webhooks deliver``: a delivery process (several may run against one
PostgreSQL: each leases its own deliveries); and the one ``serve`` embeds when
``ACADEMY_VIDEO_EMBEDDED_WEBHOOKS`` is on (the default)."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from collections.abc import Callable

from academy_video.app.config import Settings
from academy_video.bootstrap import Container, build
from academy_video.bootstrap.webhooks import deliverer

from .common import Subcommands, configure_logs, log


def add_commands(commands: Subcommands) -> None:
    hooks = commands.add_parser("webhooks", help="webhook delivery")
    hooks.add_argument("action", choices=["deliver"])
    hooks.add_argument("--id", default=f"{socket.gethostname()}-{os.getpid()}")
    hooks.set_defaults(run=run_webhooks)


def run_webhooks(args: argparse.Namespace, settings: Settings) -> int:
    """Deliver until SIGTERM or SIGINT; what was leased and not finished is leased again by
    another process once its lease runs out."""
    if not configure_logs(settings):
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    container = build(settings.with_local_secrets())
    assert container.engine is not None
    sender = deliverer(
        container.settings, container.webhooks, container.engine, container.clock, args.id
    )
    log.info("webhooks %s: delivering", args.id)
    try:
        sender.run(stop)
    finally:
        sender.close()
        container.close()
    log.info("webhooks %s: stopped", args.id)
    return 0


def embedded_webhooks(container: Container) -> Callable[[], None]:
    """Deliver webhooks in this process; returns how to stop it."""
    assert container.engine is not None
    stop = threading.Event()
    sender = deliverer(container.settings, container.webhooks, container.engine, container.clock)
    if container.projector is not None:  # this process's saves are sent at once, not polled for
        container.projector.on_queued.append(sender.wake)
    thread = threading.Thread(target=sender.run, args=(stop,), name="webhooks", daemon=True)
    thread.start()

    def shut_down() -> None:
        stop.set()
        thread.join(timeout=30)
        sender.close()

    return shut_down
