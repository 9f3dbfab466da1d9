"""The public events the academy's other systems receive (webhooks and the pull feed): which
domain event becomes which public event, and what it carries. One place, so the catalogue in
``docs/webhooks.md`` and what is sent cannot drift apart.

A public event carries the tenant, the ids and the fields a consumer needs; never a secret, a
token, a storage key or a student's personal data beyond their ids.

Decisions (documented in ``docs/webhooks.md``):

- ``Imported`` / ``EventsImported`` (``import django``) send nothing: history moved over is not
  news. Changes a later switchover sync records as ordinary events (a rule set, a session
  revoked with reason ``imported``) are sent like any other.
- ``video.ready`` is the first time the video becomes playable (``ProcessingCompleted``, also
  when the old app's worker finished it after the import); a re-encode switching a READY video
  to new output (``Reencoded``) is not a new ``ready``, nor is a failed re-encode ``failed``.
- ``video.failed`` carries a short reason code (``packaging_failed``), not the worker's text,
  which may name files; staff read the whole of it on the video.
- ``permission.changed``: a grant's ``Created`` sends nothing (it is saved with the ``RuleSet``
  that makes it effective); ``RuleSet``, ``PromotedToFree`` and ``Removed`` send the grant as
  it stands after them.
- ``progress.completed`` is ``Completed`` only: a staff correction that marks a video complete
  records ``Corrected``, which does not say whether it was complete before, so it sends nothing.
- ``session.ended`` is sent for ``Ended`` (reason ``ended``) and ``Expired`` (reason ``expired``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The public types, in the order the catalogue documents them. ``webhook.ping`` is only ever sent
# by the test endpoint; it cannot be subscribed to.
EVENT_TYPES: tuple[str, ...] = (
    "video.uploaded",
    "video.ready",
    "video.failed",
    "video.deleted",
    "permission.changed",
    "progress.completed",
    "session.revoked",
    "session.ended",
)
PING = "webhook.ping"


@dataclass(frozen=True)
class PublicEvent:
    """One public event: ``subject`` names the aggregate it is about (``video:42``); a consumer
    receives one subject's events in the order they happened."""

    type: str
    tenant: str
    subject: str
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def public_events(app_name: str, event: object, state: object) -> list[PublicEvent]:
    """The public events of one stored domain event of Application ``app_name``, given the
    aggregate ``state`` as it stands after it (most domain events have none). Total: an event
    it does not know, or a state without a tenant, gives none; it never raises."""
    mapper = MAPPERS.get((app_name, type(event).__qualname__))
    tenant = getattr(state, "tenant", None)
    occurred_at = getattr(event, "timestamp", None)
    if mapper is None or not isinstance(tenant, str) or not isinstance(occurred_at, datetime):
        return []
    event_type, subject, data = mapper(event, state)
    return [PublicEvent(event_type, tenant, subject, occurred_at, data)]


def iso_utc(moment: datetime) -> str:
    """A time as public events write it: ISO 8601 in UTC, ``2025-03-03T09:00:00.123456Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# What a mapper gives: the public type, the subject, the data.
Mapped = tuple[str, str, dict[str, Any]]

REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}(?=$|[:\s])")


def reason_code(reason: object) -> str:
    """A failure reason's leading code (``packaging_failed: segment x is missing`` →
    ``packaging_failed``); ``other`` when it does not start with one."""
    found = REASON_CODE.match(reason) if isinstance(reason, str) else None
    return found.group() if found else "other"


def video_data(state: Any) -> dict[str, Any]:
    return {"video_id": state.video_id, "session_id": state.session_id}


def video_uploaded(event: Any, state: Any) -> Mapped:
    data = {**video_data(state), "size": event.size, "duration": event.duration}
    return "video.uploaded", f"video:{state.video_id}", data


def video_ready(_: Any, state: Any) -> Mapped:
    return (
        "video.ready",
        f"video:{state.video_id}",
        {**video_data(state), "duration": state.duration},
    )


def video_failed(event: Any, state: Any) -> Mapped:
    data = {**video_data(state), "reason": reason_code(event.reason)}
    return "video.failed", f"video:{state.video_id}", data


def video_deleted(_: Any, state: Any) -> Mapped:
    return "video.deleted", f"video:{state.video_id}", video_data(state)


def permission_changed(change: str) -> Callable[[Any, Any], Mapped]:
    def mapped(_: Any, state: Any) -> Mapped:
        rules = state.rules
        data = {
            "video_id": state.video_id,
            "enrollment_id": state.enrollment_id,
            "permission_id": state.permission_id,
            "change": change,
            "removed": not state.active,
            "rule": str(rules.rule),
            "is_override": state.is_override,
            "allow_skip_override": rules.allow_skip_override,
            "max_speed_override": rules.max_speed_override,
            "show_watermark_override": rules.show_watermark_override,
            "block_seek": rules.block_seek,
            "block_speed_control": rules.block_speed_control,
        }
        return "permission.changed", f"permission:{state.video_id}:{state.enrollment_id}", data

    return mapped


def progress_completed(event: Any, state: Any) -> Mapped:
    data = {
        "video_id": state.video_id,
        "enrollment_id": state.enrollment_id,
        "progress": event.progress,
        "completed_at": iso_utc(event.timestamp),
    }
    return "progress.completed", f"progress:{state.video_id}:{state.enrollment_id}", data


def session_data(state: Any) -> dict[str, Any]:
    return {
        "session_id": state.session_id,
        "video_id": state.video_id,
        "enrollment_id": state.enrollment_id,
        "user_id": state.user_id,
        "events_total": state.events_total,
        "violations_total": state.violations_total,
        "started_at": iso_utc(state.started_at),
    }


def session_revoked(event: Any, state: Any) -> Mapped:
    data = {
        **session_data(state),
        "reason": str(event.reason)[:200],
        "revoked_at": iso_utc(event.at),
    }
    return "session.revoked", f"session:{state.session_id}", data


def session_ended(reason: str) -> Callable[[Any, Any], Mapped]:
    def mapped(event: Any, state: Any) -> Mapped:
        data = {**session_data(state), "reason": reason, "ended_at": iso_utc(event.at)}
        return "session.ended", f"session:{state.session_id}", data

    return mapped


# (Application name, event class qualname) → its mapper. Every other event sends nothing.
MAPPERS: dict[tuple[str, str], Callable[[Any, Any], Mapped]] = {
    ("Videos", "Video.UploadConfirmed"): video_uploaded,
    ("Videos", "Video.ProcessingCompleted"): video_ready,
    ("Videos", "Video.ProcessingFailed"): video_failed,
    ("Videos", "Video.Deleted"): video_deleted,
    ("Grants", "PermissionGrant.RuleSet"): permission_changed("set"),
    ("Grants", "PermissionGrant.PromotedToFree"): permission_changed("promoted_to_free"),
    ("Grants", "PermissionGrant.Removed"): permission_changed("removed"),
    ("Progresses", "WatchProgress.Completed"): progress_completed,
    ("PlaybackSessions", "PlaybackSession.Revoked"): session_revoked,
    ("PlaybackSessions", "PlaybackSession.Ended"): session_ended("ended"),
    ("PlaybackSessions", "PlaybackSession.Expired"): session_ended("expired"),
}
