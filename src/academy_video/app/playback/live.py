"""The calls of a started session, each presenting its token: refresh, heartbeat, end, and
player events.

The checks run in the seed's order: token (signature, owner, expiry) → policy and grant
versions → the recorded session status → live session store. The owner is a student: a user of
a tenant (user ids are each tenant's own), so the caller's tenant goes with its user id to the
token check and to every session-store call. Heartbeats and event batches are the hot path:
asynchronous, one call to the ``Heartbeats`` port, no aggregate loaded.

Versions that are no longer current are not the end of the session: the rules in force decide
(``rule_adoption.py``). Only that path loads anything, bounded by the ``StaleTokenJudge``.

An end may carry the player's last queued events (a page that closes sends one request: two
would cross, and events that reach an ended session are refused): they are judged and stored
as a batch of ``report_events`` first, then the session ends."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from typing import Any

from academy_video.domain.event_budget import EventBudget
from academy_video.domain.playback_session import ClientEvent, ReportOutcome, RevokeRule
from academy_video.domain.policy_change import PolicyChange
from academy_video.domain.progress import Sample

from ..config import Settings
from ..errors import Conflict, TooLarge
from ..event_intake import EventIntake
from ..group_commit import GroupCommit
from ..media_urls import MediaUrls
from ..ports import Clock, Heartbeats, LiveState, PlaybackVersions, RateLimiter, SessionStore
from ..progress_service import ProgressService
from ..sessions import PlaybackSessions, Report
from ..tokens import PlaybackClaims, TokenCodec
from ..videos import Videos
from .checks import inactive_as_conflict, stale
from .live_answers import (
    ENDING_ANYWAY_CODES,
    EVENTS_REFUSED_ENDING_ANYWAY,
    Beat,
    Ended,
    Refreshed,
)
from .policy_updates import PolicyUpdates
from .presented_tokens import PresentedTokenChecks
from .rule_adoption import RuleAdoption
from .stale_tokens import StaleTokenJudge

__all__ = ["Beat", "Ended", "LiveSessions", "Refreshed"]  # the answers re-exported


class LiveSessions(PresentedTokenChecks):
    def __init__(
        self,
        *,
        videos: Videos,
        sessions: PlaybackSessions,
        progress: ProgressService,
        store: SessionStore,
        heartbeats: Heartbeats,
        versions: PlaybackVersions,
        updates: PolicyUpdates,
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
        self.updates = updates
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
        self.judge = StaleTokenJudge()
        self.adoption = RuleAdoption(store=store, updates=updates, tokens=tokens, judge=self.judge)
        self._reports: GroupCommit[Report, ReportOutcome] = GroupCommit(
            lambda reports: sessions.report_many(
                reports, rule=self.revoke_rule, budget=self.event_budget
            )
        )

    def refresh(self, *, tenant: str, user_id: int, token: str) -> Refreshed:
        """Extend a live session and cut a fresh token and media URLs with new expiries.

        The seed only answered ``ok``, so players of videos longer than the TTL had to start over.
        """
        claims = self._decode(tenant, user_id, token)
        policy, change = None, PolicyChange.UNCHANGED
        if stale(claims.versions, self.versions.current(claims.video_id, claims.enrollment_id)):
            update = self.adoption.adopted(claims, alive=self._is_live(claims))
            claims, change = update.claims, update.change
            policy = update.policy if update.news else None
        self._alive(claims)
        expires_at = int(self.clock.now().timestamp()) + self.settings.playback_ttl_seconds
        video = self.videos.get(claims.video_id)
        play_url, media_query = self.media.cut(video, user_id, claims.session_id)
        return Refreshed(
            token=self.tokens.encode(replace(claims, expires_at=expires_at)),
            expires_at=expires_at,
            play_url=play_url,
            media_query=media_query,
            policy=policy,
            change=change,
        )

    async def heartbeat(
        self,
        *,
        tenant: str,
        user_id: int,
        token: str,
        position: float | None = None,
    ) -> Beat:
        """Extend the session's liveness; a position feeds the student's watch progress.

        The hot path, asynchronous: one (shared) call to the live side and no aggregate; the
        token carries what progress needs. An ended, revoked or expired session has no
        liveness left. Under a token staler than the rules, the session goes on under the
        rules in force if they take nothing from its own (``Beat.policy`` and ``Beat.token``),
        judged once (``StaleTokenJudge``): the one heartbeat that loads aggregates. A token
        of a session that already adopted the rules in force goes on as a current one."""
        claims = self._decode(tenant, user_id, token)
        beat = Beat(claims)
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        state = await self.heartbeats.beat(claims, now=now, ttl_seconds=ttl, extend=True)
        if stale(claims.versions, state.versions) and not state.current_for(claims):
            beat = await self._beat_under_new_rules(claims, state)
            claims = beat.claims
        elif state.versions != claims.versions:  # the session adopted them: extended
            beat = await self.adoption.told_again(claims, state)
        elif not state.alive:
            raise Conflict("session_inactive")
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
        return beat

    async def _beat_under_new_rules(self, claims: PlaybackClaims, state: LiveState) -> Beat:
        """The heartbeat of a token staler than the rules (the live side did not extend it):
        adopt them or refuse (judged once, noted in the session store), then extend under the
        new token's claims."""
        question = ("adopt", claims, state.versions, state.alive)
        work = partial(self.adoption.adopted, claims, alive=state.alive)
        update = await self.judge.judge(claims.session_id, question, work)
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        renewed = await self.heartbeats.beat(update.claims, now=now, ttl_seconds=ttl, extend=True)
        if not renewed.alive:
            raise Conflict("session_inactive")
        if not update.news:
            return Beat(update.claims)
        token = self.tokens.encode(update.claims)
        return Beat(update.claims, update.policy, token, update.change)

    def end(self, *, tenant: str, user_id: int, token: str) -> None:
        # As in the seed, ending needs no policy check: a stale policy must not keep a slot busy.
        self._end(self._claims(tenant=tenant, user_id=user_id, token=token))

    async def end_with_events(
        self, *, tenant: str, user_id: int, token: str, events: list[dict[str, Any]]
    ) -> Ended:
        """End a session after storing the player's last queued events, as one call.

        Checked as ``end``, then the events as a batch of ``report_events`` (same bounds, same
        budgets, same judging). A batch too large or malformed refuses the whole call: nothing
        stored, nothing ended. Events refused for the session's state or the student's budget
        are dropped and the session ends all the same (``Ended.events_refused``)."""
        self._check_batch(events)
        claims = await asyncio.to_thread(self._claims, tenant=tenant, user_id=user_id, token=token)
        items = self.intake.parse(events)
        try:
            outcome = await self._record(claims, items)
        except EVENTS_REFUSED_ENDING_ANYWAY as refusal:
            if refusal.code not in ENDING_ANYWAY_CODES:
                raise
            await asyncio.to_thread(self._end, claims)
            return Ended(events_refused=refusal.code)
        if not outcome.revoked:
            await asyncio.to_thread(self._end, claims)
        return Ended(stored=outcome.stored, revoked=outcome.revoked)

    def _end(self, claims: PlaybackClaims) -> None:
        with inactive_as_conflict():
            self.sessions.end(claims.session_id, now=self.clock.now())
        self.store.end(tenant=claims.tenant, user_id=claims.user_id, session_id=claims.session_id)

    async def report_events(
        self, *, tenant: str, user_id: int, token: str, events: list[dict[str, Any]]
    ) -> int:
        """Judge and store a batch of player events; revoke the session when the rules say so.

        Each event's payload capped and the student's budget charged (``EventIntake``; an
        empty batch costs one), then checked like a heartbeat (without extending): the charge
        comes first, so the check of a token staler than the rules is paid for. Then written by
        group commit: the batches of every request that arrives while one write runs go into
        the next, as one save."""
        self._check_batch(events)
        claims = self._decode(tenant, user_id, token)
        outcome = await self._record(claims, self.intake.parse(events))
        return outcome.stored

    def _check_batch(self, events: list[dict[str, Any]]) -> None:
        if len(events) > self.settings.event_batch_max:  # before any work on it
            raise TooLarge("batch_too_large")

    async def _record(self, claims: PlaybackClaims, items: list[ClientEvent]) -> ReportOutcome:
        """A decoded batch: the student's budgets charged, checked like a heartbeat (``_live``),
        stored by group commit, and the session revoked on the live side too when its events
        revoked it."""
        now = self.clock.now()
        async with self.intake.charged(claims, len(items), now):
            await self._live(claims)
            with inactive_as_conflict():
                outcome = await self._reports.submit(Report(claims.session_id, items, now))
        if outcome.revoked:
            await asyncio.to_thread(
                self.store.revoke,
                tenant=claims.tenant,
                user_id=claims.user_id,
                session_id=claims.session_id,
                now=now,
            )
        return outcome
