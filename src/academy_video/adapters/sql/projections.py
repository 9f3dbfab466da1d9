"""What each stored event does to the read models: one function per Application.

A projection function gets the aggregate *as it is after the event* (the projector evolves it
with the event's own ``mutate``), so a row is simply the aggregate's state written out: the
state transitions live in the domain only, and a rebuild gives the same rows as live writing.
Only what is not aggregate state is taken from the event: the player events of a batch, and
the log position that orders the job queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from academy_video.app.applications import event_name
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession, within_session
from academy_video.domain.progress import WatchProgress
from academy_video.domain.video import Video
from academy_video.domain.webhook_roster import WebhookRoster

from . import tables as t
from .batch import Batch
from .caption_queue import project_caption_jobs
from .event_rows import SessionRows
from .webhook_tables import webhook_subscription_types, webhook_subscriptions

Projection = Callable[[Batch, Any, Any, int], None]


def project_video(batch: Batch, video: Video, event: Any, position: int) -> None:
    name = event_name(event)
    if video.deleted or name.startswith("Caption"):
        project_caption_jobs(batch, video, event, position)
    if video.deleted:
        batch.delete(t.videos, video.id)
        batch.delete(t.job_queue, video.id)
        return
    batch.put(t.videos, video_row(video))
    if name in QUEUEING:
        batch.put(t.job_queue, job_row(video, queued_seq=position))
    elif name in ("ProcessingStarted", "LeaseExtended"):
        batch.update(t.job_queue, video.id, {"available_at": video.leased_until})
    elif not video.awaits_worker:
        batch.delete(t.job_queue, video.id)


# Events that start a queue round (a READY video's re-encode too: it stays READY meanwhile).
QUEUEING = frozenset({"UploadConfirmed", "RetryRequested", "ReencodeRequested"})


def video_row(video: Video) -> dict[str, Any]:
    return {
        "aggregate_id": video.id,
        "video_id": video.video_id,
        "tenant": video.tenant,
        "session_id": video.session_id,
        "title": video.title,
        "file_key": video.file_key,
        "order": video.order,
        "status": str(video.status),
        "allow_skip": video.allow_skip,
        "max_speed": video.max_speed,
        "show_watermark": video.show_watermark,
        "policy_version": video.policy_version,
        "size": video.size,
        "duration": video.duration,
        "hls_path": video.hls_path,
        "thumbnail_key": video.thumbnail_key,
        "error_reason": video.error_reason,
        "processing_progress": video.processing_progress,
        "attempts": video.attempts,
        "created_at": video.created_on,
        "updated_at": video.modified_on,
    }


def job_row(video: Video, *, queued_seq: int) -> dict[str, Any]:
    return {
        "aggregate_id": video.id,
        "video_id": video.video_id,
        "tenant": video.tenant,
        "queued_seq": queued_seq,
        "available_at": video.leased_until,
    }


def project_grant(batch: Batch, grant: PermissionGrant, event: Any, position: int) -> None:
    rules = grant.rules
    batch.put(
        t.permissions,
        {
            "aggregate_id": grant.id,
            "permission_id": grant.permission_id,
            "tenant": grant.tenant,
            "video_id": grant.video_id,
            "enrollment_id": grant.enrollment_id,
            "active": grant.active,
            "rule": str(rules.rule),
            "allow_skip_override": rules.allow_skip_override,
            "max_speed_override": rules.max_speed_override,
            "show_watermark_override": rules.show_watermark_override,
            "block_seek": rules.block_seek,
            "block_speed_control": rules.block_speed_control,
            "is_override": grant.is_override,
            "version": grant.version,
            "created_at": grant.created_on,
            "updated_at": grant.modified_on,
        },
    )


def project_progress(batch: Batch, progress: WatchProgress, event: Any, position: int) -> None:
    batch.put(
        t.progress,
        {
            "aggregate_id": progress.id,
            "progress_id": progress.progress_id,
            "tenant": progress.tenant,
            "video_id": progress.video_id,
            "enrollment_id": progress.enrollment_id,
            "progress": progress.progress,
            "last_position": progress.last_position,
            "completed": progress.completed,
            "rejected_jumps": progress.rejected_jumps,
            "updated_at": progress.modified_on,
        },
    )


def project_session(batch: Batch, session: PlaybackSession, event: Any, position: int) -> None:
    batch.put(
        t.playback_sessions,
        {
            "aggregate_id": session.id,
            "session_id": session.session_id,
            "tenant": session.tenant,
            "video_id": session.video_id,
            "enrollment_id": session.enrollment_id,
            "user_id": session.user_id,
            "device_id": session.device_id,
            "status": str(session.status),
            "policy_version": session.policy_version,
            "grant_version": session.grant_version,
            "started_at": session.started_at,
            "expires_at": session.expires_at,
            "ended_at": session.ended_at,
            "revoke_reason": session.revoke_reason,
            "events_total": session.events_total,
            "violations_total": session.violations_total,
        },
    )
    name = event_name(event)
    if name == "EventsReported":
        project_reported(batch, session, event)
    elif name == "EventsImported":
        project_imported(batch, session, event)
    else:  # only these set a session's policy (Started; a later change): keep each one stored
        store_policy(batch, session.policy)


def project_reported(batch: Batch, session: PlaybackSession, event: Any) -> None:
    """One row per player event of the batch, numbered in log order (``event_id``), the policy
    they were judged against (the session's as it stands after the batch), and the hourly sums.

    ``occurred_at`` is the server's time, the batch's ``received_at`` (as the seed's, whose
    events took the time they were stored); ``client_occurred_at`` is the player's own, as each
    item holds it (kept within the session: ``within_session``, applied again for items stored
    before that rule). Items of every age hold the same two fields and project alike."""
    started, received = session.started_at.timestamp(), event.received_at.timestamp()
    key = policy_key(session.policy)  # stored by the event that set it (project_session)
    rows = SessionRows(batch, session, event)
    for number, item in enumerate(event.items):
        client = datetime.fromtimestamp(within_session(item["occurred_at"], started, received), UTC)
        rows.add(number, item, event.received_at, client, event.received_at, key)
    rows.add_hours()


def project_imported(batch: Batch, session: PlaybackSession, event: Any) -> None:
    """The old app's events of a session: its ``occurred_at`` was already the server's time (it
    kept no player time, so that is the client time too), and each event kept the policy it was
    judged against (``policy_snapshot``), stored like any other policy (once per event here)."""
    rows, keys = SessionRows(batch, session, event), dict[bytes, int]()
    for number, item in enumerate(event.items):
        occurred = datetime.fromtimestamp(item["occurred_at"], UTC)
        snapshot = item.get("policy_snapshot")
        snapshot = snapshot if isinstance(snapshot, dict) else {}
        text = msgspec.json.encode(snapshot, order="sorted")
        key = keys.get(text)
        if key is None:
            key = keys[text] = store_policy(batch, snapshot)
        received = datetime.fromtimestamp(item["received_at"], UTC)
        rows.add(number, item, occurred, occurred, received, key)
    rows.add_hours()


def store_policy(batch: Batch, policy: dict[str, Any]) -> int:
    key = policy_key(policy)
    batch.increment(t.playback_policies, {"policy_key": key, "policy": policy}, maxima=frozenset())
    return key


def policy_key(policy: dict[str, Any]) -> int:
    """A policy's key in ``playback_policies``: 63 bits of a hash of its canonical JSON (a
    positive BIGINT), the same for the same content in every process and rebuild."""
    text = msgspec.json.encode(policy, order="sorted")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") >> 1


def project_webhook(batch: Batch, subscription: Any, event: Any, position: int) -> None:
    """A ``WebhookSubscription`` (domain/webhook_subscription.py): its row and one row per
    subscribed type, both gone once it is deleted. Its secrets are never in its events."""
    if isinstance(subscription, WebhookRoster):  # the per-tenant cap's count: no rows
        return
    types = webhook_subscription_types
    if subscription.deleted:
        batch.delete(webhook_subscriptions, subscription.id)
        batch.replace(types, "subscription_id", subscription.id, [])
        return
    batch.put(
        webhook_subscriptions,
        {
            "aggregate_id": subscription.id,
            "tenant": subscription.tenant,
            "url": subscription.url,
            "description": subscription.description,
            "enabled": subscription.enabled,
            "disabled_reason": subscription.disabled_reason,
            "disabled_at": subscription.disabled_at,
            "created_at": subscription.created_at,
            "secret_rotated_at": subscription.secret_rotated_at,
            "event_types": list(subscription.event_types),
        },
    )
    rows = [
        {"subscription_id": subscription.id, "tenant": subscription.tenant, "type": kind}
        for kind in dict.fromkeys(subscription.event_types)  # each once, in order
    ]
    batch.replace(types, "subscription_id", subscription.id, rows)


# Application name → its projection. Every read model is written by exactly one of these.
PROJECTIONS: dict[str, Projection] = {
    "Videos": project_video,
    "Grants": project_grant,
    "Progresses": project_progress,
    "PlaybackSessions": project_session,
    "Webhooks": project_webhook,
}
