"""``academy-video audit``: what auditors ask of the event log (docs/audit.md): an aggregate's
events or past state, the audit chain's check, a replay compared with the live read models."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from sqlalchemy import Engine

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.audit_chain import SqlSeals
from academy_video.adapters.sql.verify import verify
from academy_video.app.applications import EventSourcedApp
from academy_video.app.audit import AuditTrail, parse_time, verify_chain
from academy_video.app.config import Settings
from academy_video.app.errors import NotFound
from academy_video.bootstrap import open_applications, read_engine

from .common import MAX_DIFFERENCES_SHOWN, Subcommands, audit_key, refuse, report_differences


def add_commands(commands: Subcommands) -> None:
    audit = commands.add_parser("audit", help="what auditors ask of the event log (docs/audit.md)")
    audit.set_defaults(run=run_audit)
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


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "state" and args.version is not None and args.version < 1:
        return refuse("--version must be 1 or more")
    if args.action == "state" and args.at is not None:
        try:
            args.at = parse_time(args.at)
        except ValueError:
            return refuse(f"--at: not an ISO-8601 time: {args.at!r}")
    apps = open_applications(settings)
    try:
        if args.action in ("events", "state"):
            return _read(args, _trail(apps))
        engine = read_engine(settings)
        try:
            migrate.upgrade(engine)
            if args.action == "replay":
                return report_differences(verify(engine, apps))
            return _verify(engine, apps, audit_key(settings))
        finally:
            engine.dispose()
    finally:
        for app in apps:
            app.close()


def _trail(apps: list[EventSourcedApp]) -> AuditTrail:
    by_name = {app.name: app for app in apps}
    return AuditTrail(
        by_name["Videos"], by_name["Grants"], by_name["PlaybackSessions"], by_name["Webhooks"]
    )


def _read(args: argparse.Namespace, trail: AuditTrail) -> int:
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


def _verify(engine: Engine, apps: list[EventSourcedApp], key: bytes) -> int:
    if not key:
        return refuse("ACADEMY_VIDEO_AUDIT_KEY is required (the key events were sealed with)")
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
