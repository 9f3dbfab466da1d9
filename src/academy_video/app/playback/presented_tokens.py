"""The checks of a token a started session's call presents (``live.py``), in the seed's order:
token (signature, owner, expiry) → policy and grant versions → the session's liveness, on the
live side (asynchronous, the hot path) or in the session store (refresh)."""

from __future__ import annotations

from functools import partial

from ..config import Settings
from ..errors import Conflict
from ..ports import Clock, Heartbeats, PlaybackVersions, SessionStore
from ..tokens import PlaybackClaims, TokenCodec
from .checks import stale
from .policy_updates import PolicyUpdates
from .stale_tokens import StaleTokenJudge


class PresentedTokenChecks:
    """What ``LiveSessions`` checks a presented token with; its attributes are the use case's
    (one clock: a test that swaps ``LiveSessions.clock`` swaps it for the checks too)."""

    clock: Clock
    settings: Settings
    tokens: TokenCodec
    versions: PlaybackVersions
    heartbeats: Heartbeats
    store: SessionStore
    updates: PolicyUpdates
    judge: StaleTokenJudge

    def _decode(self, tenant: str, user_id: int, token: str) -> PlaybackClaims:
        """The token's claims, if it is the calling student's (tenant and user) and unexpired."""
        now = self.clock.now().timestamp()
        return self.tokens.decode(token, tenant=tenant, user_id=user_id, now=now)

    def _claims(self, *, tenant: str, user_id: int, token: str) -> PlaybackClaims:
        """A presented token's claims for a call that needs no policy check (end: a stale
        policy must not keep a slot busy): token (signature, owner, expiry) → the video still
        exists (one ``PlaybackVersions`` lookup, no aggregate)."""
        claims = self._decode(tenant, user_id, token)
        stale(claims.versions, self.versions.current(claims.video_id, claims.enrollment_id))
        return claims

    async def _live(self, claims: PlaybackClaims) -> None:
        """An event batch's check: the versions and the session's liveness in one call to the
        live side (which answers the versions without a database query, but on a miss of its
        mirror). Under a token staler than the rules, the batch is accepted unless they
        tightened the session's (judged once: ``StaleTokenJudge``); the heartbeat swaps the
        token. A session that adopted the rules in force needs no judging."""
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        state = await self.heartbeats.beat(claims, now=now, ttl_seconds=ttl, extend=False)
        if stale(claims.versions, state.versions) and not state.current_for(claims):
            work = partial(self.updates.check_claims, claims)
            await self.judge.judge(claims.session_id, ("check", claims, state.versions), work)
        if not state.alive:
            raise Conflict("session_inactive")

    def _is_live(self, claims: PlaybackClaims) -> bool:
        return self.store.is_active(
            tenant=claims.tenant,
            user_id=claims.user_id,
            session_id=claims.session_id,
            now=self.clock.now(),
        )

    def _alive(self, claims: PlaybackClaims) -> None:
        """The session store's word: live and unrevoked, and renewed."""
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        if not self.store.heartbeat(
            tenant=claims.tenant,
            user_id=claims.user_id,
            session_id=claims.session_id,
            now=now,
            ttl_seconds=ttl,
        ):
            raise Conflict("session_inactive")
