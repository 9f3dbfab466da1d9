"""Questions the use cases ask of many aggregates at once, answered from the read models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select

from .tables import permissions, playback_sessions, progress, videos


class SqlSessionOrders:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def max_order(self, session_id: int) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(videos.c.order)).where(videos.c.session_id == session_id)
            ).scalar_one()
        return int(value or 0)


class SqlActiveSessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def active(self) -> list[tuple[str, str, int]]:
        ps = playback_sessions
        query = select(ps.c.session_id, ps.c.tenant, ps.c.user_id).where(ps.c.status == "ACTIVE")
        with self.engine.connect() as conn:
            return [(str(sid), str(tenant), int(uid)) for sid, tenant, uid in conn.execute(query)]

    def closed_since(self, since: datetime) -> list[tuple[str, str, int, bool]]:
        ps = playback_sessions
        query = select(ps.c.session_id, ps.c.tenant, ps.c.user_id, ps.c.status).where(
            ps.c.ended_at >= since, ps.c.status.in_(("ENDED", "REVOKED"))
        )
        with self.engine.connect() as conn:
            return [
                (str(sid), str(tenant), int(uid), status == "REVOKED")
                for sid, tenant, uid, status in conn.execute(query)
            ]

    def count(self) -> int:
        """How many sessions are ACTIVE (for metrics), without reading them."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(playback_sessions)
                    .where(playback_sessions.c.status == "ACTIVE")
                ).scalar_one()
            )


class SqlPendingUploads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pending_before(self, cutoff: datetime) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(videos.c.tenant, videos.c.video_id)
                .where(videos.c.status == "PENDING", videos.c.created_at < cutoff)
                .order_by(videos.c.video_id)
            )
            return [(str(tenant), int(video_id)) for tenant, video_id in rows]


class SqlCompletions:
    """Whether a student completed a video, from the progress read model (one indexed row)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def is_completed(self, video_id: int, enrollment_id: int) -> bool:
        query = select(progress.c.completed).where(
            progress.c.video_id == video_id, progress.c.enrollment_id == enrollment_id
        )
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar())


class SqlPlaybackVersions:
    """The versions a playback token must still match, from the read models (one query)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        grant = (
            select(permissions.c.version)
            .where(permissions.c.video_id == video_id, permissions.c.enrollment_id == enrollment_id)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            row = conn.execute(
                select(videos.c.policy_version, func.coalesce(grant, 0)).where(
                    videos.c.video_id == video_id
                )
            ).first()
        return None if row is None else (int(row[0]), int(row[1]))
