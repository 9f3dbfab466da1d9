"""Playback use cases: start, refresh, heartbeat, end, report events, expire lapsed sessions.

Each call after start presents the token; the checks run in the seed's order: token (signature,
owner, expiry) → policy and grant versions → the recorded session status → live session store.
The owner is a student: a user of a tenant (user ids are each tenant's own), so the caller's
tenant goes with its user id to the token check and to every session-store call.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from academy_video.domain.event_budget import EventBudget
from academy_video.domain.ids import is_tenant_code
from academy_video.domain.playback_session import (
    PlaybackSession,
    ReportOutcome,
    RevokeRule,
    SessionInactive,
    SessionStatus,
)
from academy_video.domain.policy import (
    Limits,
    access_denial,
    effective_policy,
    max_playback_rate,
)
from academy_video.domain.progress import Sample
from academy_video.domain.video import VideoStatus

from .config import Settings
from .errors import Conflict, Denied, Invalid, NotFound, RateLimited, TooLarge
from .event_intake import EventIntake
from .grants import Grants
from .group_commit import GroupCommit
from .media_urls import MediaUrls
from .ports import (
    UNKNOWN,
    ActiveSessions,
    Beat,
    Clock,
    Directory,
    Heartbeats,
    PlaybackVersions,
    RateLimiter,
    Seen,
    SessionStore,
    UrlSigner,
)
from .progress_service import ProgressService
from .progresses import Progresses
from .sessions import PlaybackSessions, Report
from .tokens import PlaybackClaims, TokenCodec
from .videos import Videos

KEY_REQUESTS_PER_MINUTE = 30  # per session: hls.js asks once per key rotation and retry
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    token: str
    session_id: str
    expires_at: int
    policy: dict[str, Any]
    play_url: str
    media_query: str  # scoped to the video's media (docs/cdn.md); "" when media is unsigned


@dataclass(frozen=True)
class Refreshed:
    token: str
    expires_at: int
    play_url: str
    media_query: str


class PlaybackService:
    def __init__(
        self,
        *,
        videos: Videos,
        grants: Grants,
        sessions: PlaybackSessions,
        progresses: Progresses,
        progress: ProgressService,
        directory: Directory,
        store: SessionStore,
        signer: UrlSigner,
        tokens: TokenCodec,
        clock: Clock,
        active: ActiveSessions,
        settings: Settings,
        versions: PlaybackVersions,
        heartbeats: Heartbeats,
        limiter: RateLimiter,
    ) -> None:
        self.videos = videos
        self.grants = grants
        self.sessions = sessions
        self.progresses = progresses
        self.progress = progress
        self.directory = directory
        self.store = store
        self.signer = signer
        self.media = MediaUrls(signer, settings, clock)
        self.tokens = tokens
        self.clock = clock
        self.active = active
        self.versions = versions
        self.heartbeats = heartbeats
        self.limiter = limiter
        self.settings = settings
        self.limits = Limits(settings.max_sessions, settings.max_devices)
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

    # Start --------------------------------------------------------------------------------

    def start(
        self, *, tenant: str, user_id: int, video_id: int, enrollment_id: int, device_id: str
    ) -> Started:
        if not device_id:
            raise Invalid("device_id_required")
        self._limit_starts(tenant, user_id)
        video = self.videos.get(video_id, tenant=tenant)
        session = self.directory.session(video.session_id)
        enrollment = self.directory.enrollment(enrollment_id)
        enrolled = (
            enrollment is not None
            and session is not None
            and enrollment.active
            and enrollment.tenant == tenant
            and enrollment.user_id == user_id
            and enrollment.lecture_id == session.lecture_id
        )
        grant = self.grants.get(video_id, enrollment_id)
        denial = access_denial(
            enrolled=enrolled,
            session_access=self.directory.has_session_access(video.session_id, enrollment_id),
            ready=video.status == VideoStatus.READY,
            rule=grant.rules.rule if grant is not None else None,
        )
        if denial:
            raise Denied(denial)

        now = self.clock.now()
        ttl = self.settings.playback_ttl_seconds
        session_id = uuid.uuid4().hex
        refusal = self.store.start(
            tenant=tenant,
            user_id=user_id,
            session_id=session_id,
            device_id=device_id,
            now=now,
            ttl_seconds=ttl,
            max_sessions=self.limits.max_sessions,
            max_devices=self.limits.max_devices,
        )
        if refusal:
            raise Conflict(refusal)

        completed = self.progresses.is_completed(video_id, enrollment_id)
        policy = effective_policy(
            video.defaults, grant.rules if grant else None, completed=completed, limits=self.limits
        )
        grant_version = self.grants.version(video_id, enrollment_id)
        expires_at = int(now.timestamp()) + ttl
        try:
            self.sessions.record_start(
                PlaybackSession(
                    session_id=session_id,
                    tenant=tenant,
                    video_id=video_id,
                    enrollment_id=enrollment_id,
                    user_id=user_id,
                    device_id=device_id,
                    policy=policy,
                    policy_version=video.policy_version,
                    grant_version=grant_version,
                    started_at=now,
                    expires_at=datetime.fromtimestamp(expires_at, UTC),
                )
            )
        except Exception:
            # Free the slot we took.
            self.store.end(tenant=tenant, user_id=user_id, session_id=session_id)
            raise
        token = self.tokens.encode(
            PlaybackClaims(
                tenant=tenant,
                user_id=user_id,
                video_id=video_id,
                enrollment_id=enrollment_id,
                session_id=session_id,
                policy_version=video.policy_version,
                grant_version=grant_version,
                expires_at=expires_at,
                duration=float(video.duration or 0),
                max_rate=max_playback_rate(policy),
            )
        )
        return Started(
            token, session_id, expires_at, policy, *self.media.cut(video, user_id, session_id)
        )

    def _limit_starts(self, tenant: str, user_id: int) -> None:
        """A user opening session after session (a script, a broken player) is refused before
        any work: ``ACADEMY_VIDEO_START_RATE_PER_MINUTE``, shared by every API process."""
        limit = self.settings.start_rate_per_minute
        if limit > 0 and not self.limiter.allow(
            f"start:{tenant}:{user_id}", limit=limit, window_seconds=60, now=self.clock.now()
        ):
            raise RateLimited()

    # Calls that present a token -----------------------------------------------------------

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
        _check_versions(claims.versions, current, policy=check_policy)
        return claims

    def _decode(self, tenant: str, user_id: int, token: str) -> PlaybackClaims:
        """The token's claims, if it is the calling student's (tenant and user) and unexpired."""
        now = self.clock.now().timestamp()
        return self.tokens.decode(token, tenant=tenant, user_id=user_id, now=now)

    async def _live(self, claims: PlaybackClaims, *, extend: bool) -> None:
        """The hot path's ``_claims`` + ``_alive``: the versions and the session's liveness in
        one call to the live side (no database query unless it lacks the versions)."""
        beat = Beat(
            claims.tenant,
            claims.user_id,
            claims.session_id,
            claims.video_id,
            claims.enrollment_id,
            claims.policy_version,
            claims.grant_version,
        )
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        seen = await self.heartbeats.beat(beat, now=now, ttl_seconds=ttl, extend=extend)
        if seen.versions == UNKNOWN:
            current = await asyncio.to_thread(
                self.versions.current, claims.video_id, claims.enrollment_id
            )
            await self.heartbeats.remember(claims.video_id, claims.enrollment_id, current)
            seen = await self.heartbeats.beat(beat, now=now, ttl_seconds=ttl, extend=extend)
            if seen.versions == UNKNOWN:  # forgotten at once (never seen): decide on ours
                log.warning("playback: versions of video %s not kept", claims.video_id)
                seen = Seen(current, seen.alive)
        assert seen.versions != UNKNOWN
        _check_versions(claims.versions, seen.versions, policy=True)  # type: ignore[arg-type]
        if not seen.alive:
            raise Conflict("session_inactive")

    def _alive(self, claims: PlaybackClaims, *, extend: bool) -> None:
        """The session store's word: live and unrevoked (and, with ``extend``, renewed)."""
        now, ttl = self.clock.now(), self.settings.playback_ttl_seconds
        tenant, user, sid = claims.tenant, claims.user_id, claims.session_id
        alive = (
            self.store.heartbeat(
                tenant=tenant, user_id=user, session_id=sid, now=now, ttl_seconds=ttl
            )
            if extend
            else self.store.is_active(tenant=tenant, user_id=user, session_id=sid, now=now)
        )
        if not alive:
            raise Conflict("session_inactive")

    def refresh(self, *, tenant: str, user_id: int, token: str) -> Refreshed:
        """Extend a live session and cut a fresh token and media URLs with new expiries.

        The seed only answered ``ok``, so players of videos longer than the TTL had to start over.
        """
        claims = self._claims(tenant=tenant, user_id=user_id, token=token)
        self._alive(claims, extend=True)
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
        with _inactive_as_conflict():
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
            with _inactive_as_conflict():
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

    def allow_key(self, *, session_id: str, user_id: int, video_id: int) -> None:
        """Whether the AES key of ``video_id`` may go to this session (the key endpoint's rule):
        an ACTIVE, live session of that user and video, started under the rules still in force
        (a permission or policy change since: ``policy_changed``, as its heartbeat hears), at
        most KEY_REQUESTS_PER_MINUTE times a minute. The signed URL names a user but no tenant:
        the session's tenant is the student's, and the video must be that tenant's (NotFound)."""
        now = self.clock.now()
        try:
            session = self.sessions.get(session_id)
        except NotFound:
            raise Denied("invalid_session") from None
        if (
            session.video_id != video_id
            or session.user_id != user_id
            or session.status != SessionStatus.ACTIVE
            or not self.store.is_active(
                tenant=session.tenant, user_id=user_id, session_id=session_id, now=now
            )
        ):
            raise Denied("session_inactive")
        held = (session.policy_version, session.grant_version)
        _check_versions(held, self.versions.current(video_id, session.enrollment_id), policy=True)
        self.videos.get(video_id, tenant=session.tenant)
        allowed = self.limiter.allow(
            f"key:{session_id}", limit=KEY_REQUESTS_PER_MINUTE, window_seconds=60, now=now
        )
        if not allowed:
            raise RateLimited()

    # Reconciliation -----------------------------------------------------------------------

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

    def reconcile(self) -> tuple[int, int]:
        """The periodic repair (``serve`` every minute, or ``academy-video reconcile``): the
        sessions recorded expired, and the closed ones the store was told about again."""
        return self.expire_lapsed(), self.close_in_store()


class AggregateVersions:
    """PlaybackVersions read from the aggregates themselves (the in-memory container)."""

    def __init__(self, videos: Videos, grants: Grants) -> None:
        self.videos = videos
        self.grants = grants

    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        try:
            video = self.videos.get(video_id)
        except NotFound:
            return None
        return video.policy_version, self.grants.version(video_id, enrollment_id)


def _check_versions(
    held: tuple[int, int], current: tuple[int, int] | None, *, policy: bool
) -> None:
    """The (policy, grant) versions a token or session was issued under, against the current
    ones: the video gone is ``invalid_token``; a changed policy or grant (when ``policy``) is
    ``policy_changed``."""
    if current is None:
        raise Denied("invalid_token")
    if policy and current != held:
        raise Denied("policy_changed")


@contextmanager
def _inactive_as_conflict() -> Iterator[None]:
    """The recorded session is no longer ACTIVE: the same ``session_inactive`` refusal."""
    try:
        yield
    except SessionInactive:
        raise Conflict("session_inactive") from None
