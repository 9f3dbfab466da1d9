"""Heartbeats on the in-process session store: the embedded default. The versions are read as
they are now (a quick query on the local read models), so there is nothing to remember."""

from __future__ import annotations

from datetime import datetime

from academy_video.app.ports import Beat, PlaybackVersions, Seen, SessionStore


class DirectHeartbeats:
    def __init__(self, store: SessionStore, versions: PlaybackVersions) -> None:
        self.store = store
        self.versions = versions

    async def beat(self, beat: Beat, *, now: datetime, ttl_seconds: int, extend: bool) -> Seen:
        versions = self.versions.current(beat.video_id, beat.enrollment_id)
        tenant, user, sid = beat.tenant, beat.user_id, beat.session_id
        if extend and versions == (beat.policy_version, beat.grant_version):
            alive = self.store.heartbeat(
                tenant=tenant, user_id=user, session_id=sid, now=now, ttl_seconds=ttl_seconds
            )
        else:
            alive = self.store.is_active(tenant=tenant, user_id=user, session_id=sid, now=now)
        return Seen(versions, alive)

    async def remember(
        self, video_id: int, enrollment_id: int, versions: tuple[int, int] | None
    ) -> None:
        """Nothing is cached here."""
