"""The ``academy-video`` command. Every command reads its settings from ``ACADEMY_VIDEO_*``.

One module per command family, each adding its subcommands with the function that runs them:
``serve`` (the HTTP API; what runs beside it in ``runtime.py``), ``data`` (read-model schema and
projections), ``audit``, ``keys`` (cipher key, bearer tokens), ``maintenance`` (playback
reconciliation, abandoned uploads), ``media`` (``media inspect``: a published ladder's
bitrates, bytes per hour and quality), ``worker`` (the transcoding worker), ``caption_worker``
(``captions work``: the auto-caption worker), ``webhooks`` (a delivery process) and
``legacy_import`` (``import django``: the old app's database).
"""

from __future__ import annotations

import argparse
import sys

from academy_video import __version__
from academy_video.app.config import Settings

from . import (
    audit,
    caption_worker,
    data,
    keys,
    legacy_import,
    maintenance,
    media,
    serve,
    webhooks,
    worker,
)
from .common import Command

DESCRIPTION = (
    "The ``academy-video`` command. Every command reads its settings from ``ACADEMY_VIDEO_*``."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="academy-video", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"academy-video {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    families = (
        serve,
        data,
        audit,
        keys,
        maintenance,
        media,
        worker,
        caption_worker,
        webhooks,
        legacy_import,
    )
    for family in families:
        family.add_commands(commands)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"academy-video: {error}", file=sys.stderr)
        return 2
    run: Command = args.run
    return run(args, settings)
