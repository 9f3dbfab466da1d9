"""The transcoding job queue on the read models: ``job_queue`` rows are projected from Video
events; a claim reserves the oldest claimable row for one worker.

PostgreSQL: one ``UPDATE … WHERE video_id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)``, so
concurrent claimers skip each other's rows instead of queueing on them, and the re-check after
a lock sees the reservation. SQLite: the same statement under ``BEGIN IMMEDIATE`` (one writer).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, or_, select

from .tables import job_queue as q


class SqlJobQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reserve(self, *, worker_id: str, now: datetime, until: datetime) -> int | None:
        oldest = (
            select(q.c.video_id)
            .where(
                or_(q.c.available_at.is_(None), q.c.available_at < now),
                or_(
                    q.c.claimed_seq.is_(None),
                    q.c.claimed_seq != q.c.queued_seq,  # a claim from an earlier round
                    q.c.claimed_until < now,
                ),
            )
            .order_by(q.c.queued_seq)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = (
            q.update()
            .where(q.c.video_id == oldest)
            .values(claimed_seq=q.c.queued_seq, claimed_by=worker_id, claimed_until=until)
            .returning(q.c.video_id)
        )
        with self.engine.begin() as conn:
            video_id = conn.execute(statement).scalar_one_or_none()
        return None if video_id is None else int(video_id)

    def depth(self) -> int:
        """Videos waiting or in work (for metrics)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(q)).scalar_one())
