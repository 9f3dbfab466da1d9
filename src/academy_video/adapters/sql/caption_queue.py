"""The auto-caption queue on the read models: a ``caption_jobs`` row for each PROCESSING auto
track, projected from the Video's caption events (``project_caption_jobs``); the lease columns
are the claimers' own, as ``job_queue``'s are (``queue.py``: SKIP LOCKED on PostgreSQL, one
writer on SQLite).

A row's key is derived from the video's aggregate id and the language, so a projection batch
writes it like any aggregate's row, and a rebuild gives the same keys.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Uuid,
    case,
    or_,
    select,
)

from academy_video.app.applications import event_name
from academy_video.app.ports import CaptionJobRef
from academy_video.domain.caption_tracks import CaptionStatus
from academy_video.domain.video import Video

from .batch import Batch
from .schema import NAME, metadata, tenant_column

caption_jobs = Table(
    "caption_jobs",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),  # job_key(video, language)
    Column("video_aggregate_id", Uuid, nullable=False, index=True),
    Column("video_id", BigInteger, nullable=False, index=True),
    tenant_column(),
    Column("language", String(64), nullable=False),
    # Log position of its CaptionRequested: the claim order, and the request a claim is for.
    Column("queued_seq", BigInteger, nullable=False, index=True),
    # Written by claimers, never by the projection (a re-request leaves them: its new
    # ``queued_seq`` tells a fresh round from the old claim).
    Column("claimed_seq", BigInteger),
    Column("claimed_by", String(NAME)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("attempts", Integer),
    Column("progress", Integer),
)

NOT_PROJECTED = frozenset({"claimed_seq", "claimed_by", "claimed_until", "attempts", "progress"})
ENDING = frozenset({"CaptionTranscribed", "CaptionFailed", "CaptionRemoved"})


def job_key(video_aggregate_id: uuid.UUID, language: str) -> uuid.UUID:
    return uuid.uuid5(video_aggregate_id, language)


def project_caption_jobs(batch: Batch, video: Video, event: Any, position: int) -> None:
    """A request puts its track's row; its outcome, its removal or the video's deletion
    takes it away."""
    name = event_name(event)
    if video.deleted:
        for track in video.captions.tracks:
            batch.delete(caption_jobs, job_key(video.id, track.language))
    elif name == "CaptionRequested":
        requested = video.captions.find(event.language)
        if requested is not None and requested.status == CaptionStatus.PROCESSING:
            batch.put(
                caption_jobs,
                {
                    "aggregate_id": job_key(video.id, event.language),
                    "video_aggregate_id": video.id,
                    "video_id": video.video_id,
                    "tenant": video.tenant,
                    "language": event.language,
                    "queued_seq": position,
                },
            )
    elif name in ENDING:
        batch.delete(caption_jobs, job_key(video.id, event.language))


class SqlCaptionQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> CaptionJobRef | None:
        c = caption_jobs.c
        oldest = (
            select(c.aggregate_id)
            .where(
                or_(c.claimed_seq.is_(None), c.claimed_seq != c.queued_seq, c.claimed_until < now)
            )
            .order_by(c.queued_seq)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        # SET sees the row as it was: the same request claimed again is one more attempt.
        attempts = case((c.claimed_seq == c.queued_seq, c.attempts + 1), else_=1)
        statement = (
            caption_jobs.update()
            .where(c.aggregate_id == oldest)
            .values(
                attempts=attempts,
                claimed_seq=c.queued_seq,
                claimed_by=worker_id,
                claimed_until=until,
                progress=0,
            )
            .returning(c.video_id, c.language, c.attempts)
        )
        with self.engine.begin() as conn:
            row = conn.execute(statement).one_or_none()
        if row is None:
            return None
        return CaptionJobRef(int(row.video_id), str(row.language), int(row.attempts))

    def extend(self, ref: CaptionJobRef, *, worker_id: str, until: datetime, progress: int) -> bool:
        c = caption_jobs.c
        statement = (
            caption_jobs.update()
            .where(
                c.video_id == ref.video_id,
                c.language == ref.language,
                c.claimed_by == worker_id,
                c.claimed_seq == c.queued_seq,
                c.attempts == ref.attempt,
            )
            .values(claimed_until=until, progress=progress)
        )
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def progress(self, video_id: int) -> dict[str, int]:
        c = caption_jobs.c
        statement = select(c.language, c.progress, c.claimed_seq, c.queued_seq).where(
            c.video_id == video_id
        )
        with self.engine.connect() as conn:
            rows = conn.execute(statement).all()
        return {
            str(r.language): int(r.progress or 0) if r.claimed_seq == r.queued_seq else 0
            for r in rows
        }
