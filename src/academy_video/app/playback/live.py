"""The calls of a started session, each presenting its token: refresh, heartbeat, end, and
player events.

The checks run in the seed's order: token (signature, owner, expiry) → policy and grant
versions → the recorded session status → live session store. The owner is a student: a user of
a tenant (user ids are each tenant's own), so the caller's tenant goes with its user id to the
token check and to every session-store call. Heartbeats and event batches are the hot path:
asynchronous, one call to the ``Heartbeats`` port, no aggregate loaded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from academy_video.domain.event_budget import EventBudget
from academy_video.domain.playback_session import ReportOutcome, RevokeRule
from academy_video.domain.progress import Sample

from ..config import Settings
from ..errors import Conflict, TooLarge
from ..event_intake import EventIntake
from ..group_commit import GroupCommit
from ..media_urls import MediaUrls
from ..ports import Clock, Heartbeats, PlaybackVersions, RateLimiter, SessionStore
from ..progress_service import ProgressService
from ..sessions import PlaybackSessions, Report
from ..tokens import PlaybackClaims, TokenCodec
from ..videos import Videos
from .checks import check_versions, inactive_as_conflict


@dataclass(frozen=True)
class Refreshed:
    token: str
    expires_at: int
    play_url: str
    media_query: str


class LiveSessions:
    def __init__(
        self,
        *,
        videos: Videos,
        sessions: PlaybackSessions,
        progress: ProgressService,
        store: SessionStore,
        heartbeats: Heartbeats,
        versions: PlaybackVersions,
        tokens: TokenCodec,
        media: MediaUrls,
        limiter: RateLimiter,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.videos = videos
        self.sessions = sessions
        self.progress = progress
        self.store = store
        self.heartbeats = heartbeats
        self.versions = versions
        self.tokens = tokens
        self.media = media
        self.clock = clock
        self.settings = settings
        self.revoke_rule = RevokeRule(
            settings.violation_revoke_threshold, settings.violation_revoke_ratio
        )
        self.event_budget = EventBudget(
            payload_max_bytes=settings.event_payload_max_bytes,
            per_minute=settings.event_rate_per_minute,
            total=settings.event_session_max,
            per_day=settings.event_student_day_max,
        )
        self.intake = EventIntake(self.event_budget, limiter)
        self._reports: GroupCommit[Report, ReportOutcome] = GroupCommit(
            lambda reports: sessions.report_many(
                reports, rule=self.revoke_rule, budget=self.event_budget
            )
        )

    def refresh(self, *, tenant: str, user_id: int, token: str) -> Refreshed:
        """Extend a live session and cut a fresh token and media URLs with new expiries.

        The seed only answered ``ok``, so players of videos longer than the TTL had to start over.
        """
        claims = self._claims(tenant=tenant, user_id=user_id, token=token)
        self._alive(claims)
        expires_at = int(self.clock.now().timestamp()) + self.settings.playback_ttl_seconds
        video = self.videos.get(claims.video_id)
        play_url, media_query = self.media.cut(video, user_id, claims.session_id)
        return Refreshed(
            token=self.tokens.encode(replace(claims, expires_at=expires_at)),
            expires_at=expires_at,
            play_url=play_url,
            media_query=media_query,
        )

    async def heartbeat(
        self,
        *,
        tenant: str,
        user_id: int,
        token: str,
        position: float | None = None,
    ) -> PlaybackClaims:
        """Extend the session's liveness; a position feeds the student's watch progress.

        The hot path, asynchronous: one (shared) call to the live side and no aggregate; the
        token carries what progress needs. An ended, revoked or expired session has no
        liveness left."""
        claims = self._decode(tenant, user_id, token)
        await self._live(claims, extend=True)
        if position is not None:
            sample = Sample(claims.session_id, position, self.clock.now())
            credit = partial(
                self.progress.submit,
                video_id=claims.video_id,
                enrollment_id=claims.enrollment_id,
                tenant=claims.tenant,
                duration=claims.duration,
                max_rate=claims.max_rate,
                samples=[sample],
            )
            if self.progress.buffered:
                credit()  # into the buffer: no I/O
            else:
                await asyncio.to_thread(credit)  # written through: off the event loop
        return claims

    def end(self, *, tenant: str, user_id: int, token: str) -> None:
        # As in the seed, ending needs no policy check: a stale policy must not keep a slot busy.
        claims = self._claims(tenant=tenant, user_id=user_id, token=token, check_policy=False)
        with inactive_as_conflict():
            self.sessions.end(claims.session_id, now=self.clock.now())
        self.store.end(tenant=tenant, user_id=user_id, session_id=claims.session_id)

    async def report_events(
        self, *, tenant: str, user_id: int, token: str, events: list[dict[str, Any]]
    ) -> int:
        """Judge and store a batch of player events; revoke the session when the rules say so.

        Checked like a heartbeat (without extending), each event's payload capped and the
        session's budget charged (``EventIntake``), then written by group commit: the batches
        of every request that arrives while one write runs go into the next, as one save."""
        if len(events) > self.settings.event_batch_max:  # before any work on it
            raise TooLarge("batch_too_large")
        claims = self._decode(tenant, user_id, token)
        await self._live(claims, extend=False)
        items = self.intake.parse(events)
        now = self.clock.now()
        async with self.intake.charged(claims, len(items), now):
            with inactive_as_conflict():
                outcome = await self._reports.submit(Report(claims.session_id, items, now))
        if outcome.revoked:
            await asyncio.to_thread(
                self.store.revoke,
                tenant=tenant,
                user_id=user_id,
                session_id=claims.session_id,
                now=now,
            )
        return outcome.stored

    # The checks of a presented token ------------------------------------------------------

    def _decode(self, tenant: str, user_id: int, token: str) -> PlaybackClaims:
        """The token's claims, if it is the calling student's (tenant and user) and unexpired."""
        now = self.clock.now().timestamp()
        return self.tokens.decode(token, tenant=tenant, user_id=user_id, now=now)

    def _claims(
        self, *, tenant: str, user_id: int, token: str, check_policy: bool = True
    ) -> PlaybackClaims:
        """The one check of a presented token, in the seed's order: token (signature, owner,
        expiry) → the video still exists → its policy and the student's grant unchanged.

        No aggregate is loaded: the versions come from one ``PlaybackVersions`` lookup. The
        session's own state is then checked where it is used: liveness and revocation by the
        session store, the recorded status by the ``PlaybackSession`` a command loads anyway."""
        claims = self._decode(tenant, user_id, token)
        current = self.versions.current(claims.video_id, claims.enrollment_id)
        check_versions(claims.versions, current, policy=check_policy)
        return claims

    async def _live(self, claims: PlaybackClaims, *, extend: bool) -> None:
        """The hot path's ``_claims`` + ``_alive``: the versions and the session's liveness in
        one call to the live side (which answers the versions without a database query, but
        on a miss of its mirror)."""
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        state = await self.heartbeats.beat(claims, now=now, ttl_seconds=ttl, extend=extend)
        check_versions(claims.versions, state.versions, policy=True)
        if not state.alive:
            raise Conflict("session_inactive")

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
