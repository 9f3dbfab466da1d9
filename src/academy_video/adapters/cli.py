"""The ``academy-video`` command. Every command reads its settings from ``ACADEMY_VIDEO_*``."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Engine

from academy_video import __version__
from academy_video.adapters.media import sandbox
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.audit_chain import SqlSeals
from academy_video.adapters.sql.projector import Projector, count_rows
from academy_video.adapters.sql.verify import Difference, verify
from academy_video.app.applications import EventSourcedApp
from academy_video.app.audit import AuditTrail, parse_time, verify_chain
from academy_video.app.config import Settings
from academy_video.app.errors import NotFound
from academy_video.app.persistence import new_cipher_key
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import (
    Container,
    build,
    object_storage,
    open_applications,
    read_engine,
    transcoder_for,
)

MAX_DIFFERENCES_SHOWN = 50
RECONCILE_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="academy-video", description=__doc__)
    parser.add_argument("--version", action="version", version=f"academy-video {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API (embedded default: no services)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    db = commands.add_parser("db", help="read-model schema (Alembic migrations)")
    db.add_argument("action", choices=["upgrade", "current"])

    projections = commands.add_parser("projections", help="read models built from the event log")
    projections.add_argument("action", choices=["rebuild", "verify", "status"])

    _audit_parser(commands)

    commands.add_parser("cipher-key", help="print a new ACADEMY_VIDEO_CIPHER_KEY")

    commands.add_parser(
        "reconcile", help="record `expired` for playback sessions whose liveness lapsed"
    )

    cleanup = commands.add_parser(
        "cleanup-uploads", help="remove videos whose upload was abandoned (still PENDING)"
    )
    cleanup.add_argument(
        "--older-than-hours",
        type=int,
        default=None,
        help="default: ACADEMY_VIDEO_UPLOAD_TTL_HOURS (24)",
    )

    worker = commands.add_parser("worker", help="run a transcoding worker against the worker API")
    worker.add_argument("--api", required=True, help="the service's base URL, e.g. http://api:8000")
    worker.add_argument("--id", default=f"{socket.gethostname()}-{os.getpid()}")
    worker.add_argument("--poll", type=float, default=2.0, help="seconds between empty polls")

    token = commands.add_parser("token", help="mint a user's bearer token (for local use)")
    token.add_argument("--role", choices=["admin", "staff", "student"], required=True)
    token.add_argument("--tenant", required=True, help="a tenant code: [a-z0-9][a-z0-9_-]{0,62}")
    token.add_argument("--user", type=int, required=True)
    token.add_argument("--ttl", type=int, default=86_400, help="seconds (default: a day)")

    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "serve": _serve,
        "db": _db,
        "projections": _projections,
        "audit": _audit,
        "cipher-key": _cipher_key,
        "token": _token,
        "cleanup-uploads": _cleanup_uploads,
        "worker": _worker,
        "reconcile": _reconcile,
    }
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"academy-video: {error}", file=sys.stderr)
        return 2
    return handlers[args.command](args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from academy_video.adapters import logs
    from academy_video.adapters.http.app import create_app

    sandbox.prepare()  # media is decoded in its children; first, before any thread starts
    settings = settings.with_local_secrets()  # first: the log lines must not show them either
    try:
        logs.configure(settings.log_format, secrets=settings.secret_values())
    except ValueError as error:
        print(f"academy-video: {error}", file=sys.stderr)
        return 2
    if not settings.public_url:
        settings = replace(settings, public_url=f"http://{args.host}:{args.port}")
    if not settings.s3_bucket and not settings.cdn_base_url:
        settings = replace(settings, cdn_base_url=settings.public_url)  # media served here
    container = build(settings)
    if not container.settings.audit_key:
        logging.getLogger(__name__).warning(
            "ACADEMY_VIDEO_AUDIT_KEY is not set: events are not sealed (docs/audit.md)"
        )
    assert container.projector is not None
    container.projector.follow()  # events other processes store
    app = create_app(container)
    app.on_shutdown.append(_every(RECONCILE_SECONDS, container.playback.reconcile, "reconcile"))
    if settings.embedded_worker:
        app.on_shutdown.append(_embedded_worker(container))
    if settings.progress_flush_seconds > 0:
        flush = container.progress.flush
        app.on_shutdown.append(_every(settings.progress_flush_seconds, flush, "progress-flush"))
        app.on_shutdown.append(flush)  # what the last interval heard
    # Closed in the lifespan's shutdown: uvicorn re-raises SIGTERM after a graceful shutdown,
    # so code after run() would not run.
    app.on_shutdown.append(container.close)
    # What start-up built lives as long as the process: keep it out of the collector's full
    # passes, which otherwise stop the event loop for 70-90 ms several times a minute under
    # load (the heartbeat's p99: 85 ms before, 20 ms after; docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    # Our middleware writes the access lines (with the request id, in the chosen format).
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def _every(seconds: float, task: Callable[[], object], name: str) -> Callable[[], None]:
    """Run ``task`` every ``seconds`` in a daemon thread (errors are logged); returns the stop,
    which waits for a run in progress: what shuts down after it (the final flush, closing the
    container) must not race it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(seconds):
            try:
                task()
            except Exception:
                logging.getLogger(__name__).exception("%s failed; will try again", name)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join(timeout=30)  # a run stuck on a dead database must not hold shutdown forever

    return stopped


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        # The in-process session store lives inside `serve`, which reconciles by itself.
        print(
            "academy-video: reconcile needs ACADEMY_VIDEO_REDIS_URL "
            "(on the embedded default, serve reconciles every minute)",
            file=sys.stderr,
        )
        return 2
    container = build(settings.with_local_secrets())
    try:
        expired, closed = container.playback.reconcile()
    finally:
        container.close()
    print(f"expired {expired} playback sessions; closed {closed} still live in the store")
    return 0


def _embedded_worker(container: Container) -> Callable[[], None]:
    """Run the transcoding worker in this process; returns how to stop it."""
    stop = threading.Event()
    worker = Worker(
        ServiceJobs(container.jobs, f"embedded-{socket.gethostname()}-{os.getpid()}"),
        container.transcoder,
        heartbeat_seconds=container.settings.worker_lease_seconds / 3,
    )
    thread = threading.Thread(target=worker.run, args=(stop,), name="worker", daemon=True)
    thread.start()

    def shut_down() -> None:
        stop.set()
        thread.join(timeout=60)

    return shut_down


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    """A worker process: jobs over HTTP, outputs straight to storage."""
    from academy_video.adapters import logs
    from academy_video.adapters.worker_api import HttpJobs

    sandbox.prepare()  # media is decoded in its children; first, before any thread starts
    try:
        # The same lines as serve's (without a request id).
        logs.configure(settings.log_format, secrets=settings.secret_values())
    except ValueError as error:
        print(f"academy-video: {error}", file=sys.stderr)
        return 2
    if not settings.worker_token:
        print("academy-video: ACADEMY_VIDEO_WORKER_TOKEN is required", file=sys.stderr)
        return 2
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
    logging.getLogger(__name__).info("worker %s: polling %s", args.id, args.api)
    try:
        worker.run(stop)
    finally:
        jobs.close()
    logging.getLogger(__name__).info("worker %s: stopped", args.id)
    return 0


def _cleanup_uploads(args: argparse.Namespace, settings: Settings) -> int:
    if args.older_than_hours is not None:
        if args.older_than_hours < 0:
            print("academy-video: --older-than-hours must not be negative", file=sys.stderr)
            return 2
        settings = replace(settings, upload_ttl_hours=args.older_than_hours)
    container = build(settings.with_local_secrets())
    try:
        removed = container.uploads.cleanup_abandoned()
    finally:
        container.close()
    print(f"removed {removed} abandoned uploads")
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from academy_video.adapters.http.auth import mint
    from academy_video.domain.ids import TENANT_CODE, is_tenant_code

    if args.user <= 0:
        print("academy-video: --user must be positive", file=sys.stderr)
        return 2
    if not is_tenant_code(args.tenant):
        print(f"academy-video: --tenant must be a tenant code ({TENANT_CODE})", file=sys.stderr)
        return 2
    secret = settings.with_local_secrets().jwt_secret
    print(mint(secret, role=args.role, tenant=args.tenant, user_id=args.user, ttl_seconds=args.ttl))
    return 0


def _db(args: argparse.Namespace, settings: Settings) -> int:
    engine = read_engine(settings)
    try:
        if args.action == "upgrade":
            migrate.upgrade(engine)
        print(f"read-model schema at revision {migrate.current(engine)} (head {migrate.head()})")
        return 0
    finally:
        engine.dispose()


def _projections(args: argparse.Namespace, settings: Settings) -> int:
    engine = read_engine(settings)
    apps = open_applications(settings)
    try:
        migrate.upgrade(engine)
        if args.action == "rebuild":
            started = time.perf_counter()
            key = _audit_key(settings)
            applied = Projector(engine, apps, audit_key=key).rebuild()
            seconds = time.perf_counter() - started
            rate = applied / seconds if seconds else 0.0
            print(f"rebuilt from {applied} events in {seconds:.2f} s ({rate:,.0f} events/s)")
            if key:
                print("  audit_chain: re-sealed the log as it stands (verify it before a rebuild)")
            for table, rows in count_rows(engine).items():
                print(f"  {table}: {rows} rows")
            return 0
        if args.action == "status":
            projector = Projector(engine, apps)
            lag = projector.lag()
            for name, position in projector.positions().items():
                print(f"{name}: at notification {position}, {lag[name]} behind")
            return 0
        return _report_differences(verify(engine, apps))
    finally:
        for app in apps:
            app.close()
        engine.dispose()


def _report_differences(differences: list[Difference]) -> int:
    for difference in differences[:MAX_DIFFERENCES_SHOWN]:
        print(difference.describe())
    if len(differences) > MAX_DIFFERENCES_SHOWN:
        print(f"… and {len(differences) - MAX_DIFFERENCES_SHOWN} more")
    print(
        f"{len(differences)} rows differ from a rebuild"
        if differences
        else "read models equal a rebuild from the event log"
    )
    return 1 if differences else 0


def _audit_parser(commands: Any) -> None:
    audit = commands.add_parser("audit", help="what auditors ask of the event log (docs/audit.md)")
    actions = audit.add_subparsers(dest="action", required=True)
    events = actions.add_parser("events", help="an aggregate's stored events, one JSON a line")
    kinds = events.add_subparsers(dest="kind", required=True)
    kinds.add_parser("video").add_argument("video_id", type=int)
    kinds.add_parser("session", help="a playback session").add_argument("session_id")
    permission = kinds.add_parser("permission", help="a student's permission for a video")
    permission.add_argument("video_id", type=int)
    permission.add_argument("enrollment_id", type=int)
    state = actions.add_parser("state", help="an aggregate as it was, as JSON")
    state.add_argument("kind", choices=["video"])
    state.add_argument("video_id", type=int)
    when = state.add_mutually_exclusive_group()
    when.add_argument("--version", type=int, help="after this event (1 = as registered)")
    when.add_argument("--at", help="at this ISO-8601 time (UTC unless it says otherwise)")
    actions.add_parser(
        "verify", help="check the event log against its audit chain (exit 1: tampered)"
    )
    actions.add_parser(
        "replay", help="rebuild every read model from the log, compare with the live ones"
    )


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "state" and args.version is not None and args.version < 1:
        print("academy-video: --version must be 1 or more", file=sys.stderr)
        return 2
    if args.action == "state" and args.at is not None:
        try:
            args.at = parse_time(args.at)
        except ValueError:
            print(f"academy-video: --at: not an ISO-8601 time: {args.at!r}", file=sys.stderr)
            return 2
    apps = open_applications(settings)
    try:
        if args.action in ("events", "state"):
            return _audit_read(args, _trail(apps))
        engine = read_engine(settings)
        try:
            migrate.upgrade(engine)
            if args.action == "replay":
                return _report_differences(verify(engine, apps))
            return _audit_verify(engine, apps, _audit_key(settings))
        finally:
            engine.dispose()
    finally:
        for app in apps:
            app.close()


def _trail(apps: list[EventSourcedApp]) -> AuditTrail:
    by_name = {app.name: app for app in apps}
    return AuditTrail(by_name["Videos"], by_name["Grants"], by_name["PlaybackSessions"])


def _audit_read(args: argparse.Namespace, trail: AuditTrail) -> int:
    """The operator's view: any tenant's aggregates."""
    try:
        if args.action == "state":
            state = trail.video_state(None, args.video_id, version=args.version, at=args.at)
            print(json.dumps({"id": args.video_id, **asdict(state)}, ensure_ascii=False))
            return 0
        if args.kind == "video":
            events = trail.video_events(None, args.video_id)
        elif args.kind == "session":
            events = trail.session_events(None, args.session_id)
        else:
            events = trail.permission_events(None, args.video_id, args.enrollment_id)
    except NotFound:
        print("academy-video: not found", file=sys.stderr)
        return 1
    for event in events:
        print(json.dumps(asdict(event), ensure_ascii=False))
    return 0


def _audit_verify(engine: Engine, apps: list[EventSourcedApp], key: bytes) -> int:
    if not key:
        print(
            "academy-video: ACADEMY_VIDEO_AUDIT_KEY is required (the key events were sealed with)",
            file=sys.stderr,
        )
        return 2
    report = verify_chain(apps, SqlSeals(engine), key)
    for finding in report.findings[:MAX_DIFFERENCES_SHOWN]:
        print(finding.describe())
    if len(report.findings) > MAX_DIFFERENCES_SHOWN:
        print(f"… and {len(report.findings) - MAX_DIFFERENCES_SHOWN} more")
    for name, checked in report.checked.items():
        print(f"{name}: {checked} events checked, {report.unsealed[name]} not sealed yet")
    print(
        f"{len(report.findings)} events do not match the audit chain"
        if report.findings
        else "the event log matches its audit chain"
    )
    return 0 if report.intact else 1


def _audit_key(settings: Settings) -> bytes:
    """The seal's key: the one set, or on the embedded default the one ``serve`` generated."""
    if not settings.audit_key and not settings.database_url:
        settings = settings.with_local_secrets()
    return settings.audit_key.encode()


def _cipher_key(args: argparse.Namespace, settings: Settings) -> int:
    print(new_cipher_key())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
