"""``academy-video webhooks deliver``: a delivery process (several may run against one
PostgreSQL: each leases its own deliveries); and the one ``serve`` embeds when
``ACADEMY_VIDEO_EMBEDDED_WEBHOOKS`` is on (the default). ``academy-video webhooks prune``: the
history older than ``ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS`` (or ``--keep-days``) deleted, once."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from collections.abc import Callable

from academy_video.adapters.memory.basics import SystemClock
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.webhooks import SqlWebhookQueue
from academy_video.app.config import Settings
from academy_video.app.webhooks.retention import prune_history
from academy_video.bootstrap import Container, build, read_engine
from academy_video.bootstrap.webhooks import deliverer
from academy_video.domain.webhook_retention import KeepTooShort, check_keep_days

from .common import Subcommands, configure_logs, log, refuse


def add_commands(commands: Subcommands) -> None:
    hooks = commands.add_parser("webhooks", help="webhook delivery, and pruning its history")
    hooks.add_argument("action", choices=["deliver", "prune"])
    hooks.add_argument("--id", default=f"{socket.gethostname()}-{os.getpid()}")
    hooks.add_argument(
        "--keep-days",
        type=int,
        default=None,
        help="prune: days of history kept (default: ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS)",
    )
    hooks.set_defaults(run=run_webhooks)


def run_webhooks(args: argparse.Namespace, settings: Settings) -> int:
    """``deliver``: until SIGTERM or SIGINT; what was leased and not sent is given back at once
    (a process killed outright leaves it to another once its lease runs out). ``prune``: once,
    then exit."""
    if args.action == "prune":
        return run_prune(settings, args.keep_days)
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


def run_prune(settings: Settings, keep_days: int | None) -> int:
    """Delete the webhooks' history older than the days kept; prints how many rows went."""
    days = settings.webhook_keep_days if keep_days is None else keep_days
    try:
        check_keep_days(days)
    except KeepTooShort as refused:
        return refuse(f"--keep-days: {refused}")
    engine = read_engine(settings)
    try:
        migrate.upgrade(engine)
        removed = prune_history(SqlWebhookQueue(engine), SystemClock(), days)
    finally:
        engine.dispose()
    print(f"webhooks: {removed} rows older than {days} days pruned")
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
