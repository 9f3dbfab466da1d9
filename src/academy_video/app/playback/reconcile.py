"""The periodic repair of playback sessions (``serve`` every minute, or ``academy-video
reconcile``): the record and the session store told again what the other knows."""

from __future__ import annotations

import logging
from datetime import timedelta

from academy_video.domain.ids import is_tenant_code

from ..config import Settings
from ..ports import ActiveSessions, Clock, SessionStore
from ..sessions import PlaybackSessions

log = logging.getLogger(__name__)


class Reconciliation:
    def __init__(
        self,
        *,
        sessions: PlaybackSessions,
        active: ActiveSessions,
        store: SessionStore,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.sessions = sessions
        self.active = active
        self.store = store
        self.clock = clock
        self.settings = settings

    def reconcile(self) -> tuple[int, int]:
        """The sessions recorded expired, and the closed ones the store was told about again."""
        return self.expire_lapsed(), self.close_in_store()

    def expire_lapsed(self) -> int:
        """Record ``expired`` for ACTIVE sessions whose liveness lapsed (idempotent)."""
        now = self.clock.now()
        expired = 0
        for sid, tenant, user in self.active.active():
            # Recorded before tenant claims had to be codes: no store holds it (and no token of
            # its student is accepted any more), so it is over.
            if not is_tenant_code(tenant) or not self.store.is_active(
                tenant=tenant, user_id=user, session_id=sid, now=now
            ):
                expired += self.sessions.expire(sid, now=now)
        return expired

    def close_in_store(self) -> int:
        """Tell the session store again about sessions recorded ENDED or REVOKED lately that it
        still holds live: its call after the save failed (a Redis blip, a crash), and the
        heartbeats of a revoked student, which only the store checks, would keep the session
        going. "Lately" is two TTLs: a store outage shorter than the TTL is covered by the first
        reconcile after it, and in a longer one the entry lapses by itself. Idempotent."""
        now = self.clock.now()
        since = now - timedelta(seconds=2 * self.settings.playback_ttl_seconds)
        repaired = 0
        for sid, tenant, user, revoked in self.active.closed_since(since):
            if not is_tenant_code(tenant):
                continue  # no store holds a session of a tenant that is not a code
            if self.store.is_active(tenant=tenant, user_id=user, session_id=sid, now=now):
                if revoked:
                    self.store.revoke(tenant=tenant, user_id=user, session_id=sid, now=now)
                else:
                    self.store.end(tenant=tenant, user_id=user, session_id=sid)
                repaired += 1
        if repaired:
            log.warning("playback: %d closed sessions were still live in the store", repaired)
        return repaired
