"""Heartbeats on the in-process session store: the embedded default. The versions are read as
they are now (a quick query on the local read models), so nothing is mirrored."""

from __future__ import annotations

from datetime import datetime

from academy_video.app.ports import LiveState, PlaybackVersions, SessionStore
from academy_video.app.tokens import PlaybackClaims


class DirectHeartbeats:
    def __init__(self, store: SessionStore, versions: PlaybackVersions) -> None:
        self.store = store
        self.versions = versions

    async def beat(
        self, claims: PlaybackClaims, *, now: datetime, ttl_seconds: int, extend: bool
    ) -> LiveState:
        versions = self.versions.current(claims.video_id, claims.enrollment_id)
        tenant, user, sid = claims.tenant, claims.user_id, claims.session_id
        adopted = None
        if versions is not None and versions != claims.versions:
            adopted = self.store.adopted(tenant=tenant, user_id=user, session_id=sid)
        state = LiveState(versions, False, adopted)
        if extend and state.current_for(claims):
            alive = self.store.heartbeat(
                tenant=tenant, user_id=user, session_id=sid, now=now, ttl_seconds=ttl_seconds
            )
        else:
            alive = self.store.is_active(tenant=tenant, user_id=user, session_id=sid, now=now)
        return LiveState(versions, alive, adopted)
