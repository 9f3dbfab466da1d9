"""Upkeep an operator (or a scheduler) runs: ``reconcile`` (playback sessions whose liveness
lapsed) and ``cleanup-uploads`` (videos whose upload was abandoned)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from academy_video.app.config import Settings
from academy_video.bootstrap import Container, build

from .common import Subcommands, refuse


def add_commands(commands: Subcommands) -> None:
    reconcile = commands.add_parser(
        "reconcile", help="record `expired` for playback sessions whose liveness lapsed"
    )
    reconcile.set_defaults(run=run_reconcile)
    cleanup = commands.add_parser(
        "cleanup-uploads", help="remove videos whose upload was abandoned (still PENDING)"
    )
    cleanup.add_argument(
        "--older-than-hours",
        type=int,
        default=None,
        help="default: ACADEMY_VIDEO_UPLOAD_TTL_HOURS (24)",
    )
    cleanup.set_defaults(run=run_cleanup_uploads)


def reconcile_playback(container: Container) -> tuple[int, int]:
    """The one call of playback reconciliation, for this command and serve's periodic run:
    (sessions recorded expired, sessions closed still live in the store)."""
    return container.playback.reconciliation.reconcile()


def run_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        # The in-process session store lives inside `serve`, which reconciles by itself.
        return refuse(
            "reconcile needs ACADEMY_VIDEO_REDIS_URL "
            "(on the embedded default, serve reconciles every minute)"
        )
    container = build(settings.with_local_secrets())
    try:
        expired, closed = reconcile_playback(container)
    finally:
        container.close()
    print(f"expired {expired} playback sessions; closed {closed} still live in the store")
    return 0


def run_cleanup_uploads(args: argparse.Namespace, settings: Settings) -> int:
    if args.older_than_hours is not None:
        if args.older_than_hours < 0:
            return refuse("--older-than-hours must not be negative")
        settings = replace(settings, upload_ttl_hours=args.older_than_hours)
    container = build(settings.with_local_secrets())
    try:
        removed = container.uploads.cleanup_abandoned()
    finally:
        container.close()
    print(f"removed {removed} abandoned uploads")
    return 0
