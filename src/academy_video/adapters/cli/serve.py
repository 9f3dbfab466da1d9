"""``academy-video serve``: the HTTP API, with what runs beside it (``runtime.py``)."""

from __future__ import annotations

import argparse

from academy_video.adapters.media import sandbox
from academy_video.app.config import Settings
from academy_video.bootstrap import build

from . import runtime
from .common import Subcommands, configure_logs, log


def add_commands(commands: Subcommands) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API (embedded default: no services)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from academy_video.adapters.http.app import create_app

    sandbox.prepare()  # media is decoded in its children; first, before any thread starts
    settings = settings.with_local_secrets()  # first: the log lines must not show them either
    if not configure_logs(settings):
        return 2
    container = build(runtime.served_settings(settings, host=args.host, port=args.port))
    if not container.settings.audit_key:
        log.warning("ACADEMY_VIDEO_AUDIT_KEY is not set: events are not sealed (docs/audit.md)")
    assert container.projector is not None
    container.projector.follow()  # events other processes store
    app = create_app(container)
    # Each stops in the lifespan's shutdown, in order, the container closed last: uvicorn
    # re-raises SIGTERM after a graceful shutdown, so code after run() would not run.
    app.on_shutdown.extend(runtime.start_beside(container))
    runtime.freeze_start_up_heap()
    runtime.tune_collector()
    # Our middleware writes the access lines (with the request id, in the chosen format).
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0
