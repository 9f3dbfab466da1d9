"""Playback's live side: the session store, the hot path, media signing and rate limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from academy_video.domain.event_budget import Window

from ..tokens import PlaybackClaims


class SessionStore(Protocol):
    """Hot liveness of playback sessions (who plays now); a cache, not the record.

    A student is a user of a tenant: every operation names both, and user 7 of one tenant
    shares no limit, session or revocation with user 7 of another. Each operation is atomic:
    start checks limits and inserts in one step.
    """

    def start(
        self,
        *,
        tenant: str,
        user_id: int,
        session_id: str,
        device_id: str,
        now: datetime,
        ttl_seconds: int,
        max_sessions: int,
        max_devices: int,
    ) -> str | None:
        """Open a session; returns None, or the refusal (device/concurrency limit exceeded)."""
        ...

    def heartbeat(
        self, *, tenant: str, user_id: int, session_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        """Extend a live, unrevoked session owned by the student; False if it is not."""
        ...

    def is_active(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> bool: ...

    def end(self, *, tenant: str, user_id: int, session_id: str) -> None: ...

    def revoke(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> None: ...

    def adopt(
        self, *, tenant: str, user_id: int, session_id: str, versions: tuple[int, int]
    ) -> None:
        """Note that the live session adopted the rules of these (policy, grant) versions (its
        ``PolicyUpdated`` is recorded): a token of it issued under older ones is then as good
        as a current one (``LiveState.adopted``). Nothing is noted for a session not live; the
        note goes with the session's liveness."""
        ...

    def adopted(self, *, tenant: str, user_id: int, session_id: str) -> tuple[int, int] | None:
        """The versions last noted by ``adopt`` for the live session (None: none)."""
        ...


class UrlSigner(Protocol):
    def sign(
        self, path: str, *, expires_at: int, user_id: int | None, session_id: str | None = None
    ) -> str:
        """A URL for ``path`` that the media edge accepts until ``expires_at`` (Unix seconds).

        ``session_id`` rides along (unsigned) so the key endpoint knows which session asks."""
        ...

    def scope(
        self, acl: str, *, expires_at: int, user_id: int, session_id: str | None = None
    ) -> str:
        """The query (without ``?``) that makes every path under the prefix ``acl`` (and the
        AES key of the video it holds) acceptable until ``expires_at``; empty when media URLs
        are not signed."""
        ...


@dataclass(frozen=True)
class LiveState:
    """What the live side knows of the session a token names: the current (policy, grant)
    versions (None: the video is gone), whether the session is live and unrevoked, and the
    versions whose rules the session adopted (``SessionStore.adopt``; None: none noted)."""

    versions: tuple[int, int] | None
    alive: bool
    adopted: tuple[int, int] | None = None

    def current_for(self, claims: PlaybackClaims) -> bool:
        """Whether the claims may go on without judging the rules again: issued under the
        current versions, or naming a session that already adopted them (that adoption judged
        the change against the session's own record, which is what the token stands for)."""
        return self.versions is not None and self.versions in (claims.versions, self.adopted)


class Heartbeats(Protocol):
    """The playback hot path (heartbeats and event batches), asynchronous: one round trip to
    the session store per call, or fewer. The adapter answers the versions itself: from a
    mirror beside the sessions (filled from ``PlaybackVersions`` on a miss, off the event loop),
    or from ``PlaybackVersions`` directly."""

    async def beat(
        self, claims: PlaybackClaims, *, now: datetime, ttl_seconds: int, extend: bool
    ) -> LiveState:
        """Check the session the claims name; with ``extend``, renew its liveness, but only if it
        is alive and the claims' versions are the current ones or the session adopted them (a
        stale token keeps no slot busy)."""
        ...


class RateLimiter(Protocol):
    """How often a key (a user's starts, a session's key requests and player events) may be
    used: a sliding window (the last window's count, weighted by how much of it still
    overlaps, plus this one's)."""

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        """Count ``cost`` uses of ``key`` (a batch of n events costs n) and say yes, or say no
        (and count nothing) if they would take the window ending ``now`` past ``limit``."""
        ...

    def allow_all(self, windows: Sequence[Window], *, now: datetime, cost: int) -> Window | None:
        """``allow`` for several windows in one step: ``cost`` uses counted in every one, or in
        none; answers the first window they would take past its limit (None: all counted).
        Keys that share a ``{tag}`` are kept together (one Redis Cluster slot)."""
        ...

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        """Take back ``cost`` uses that ``allow`` counted at ``now`` (what they paid for was
        then refused): the window of ``now`` loses them, never going below zero."""
        ...
