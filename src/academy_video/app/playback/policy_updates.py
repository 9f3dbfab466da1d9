"""A session whose token or record holds (policy, grant) versions that are no longer current:
does it go on under the rules now in force? ``PlaybackSession.follow_policy`` decides with the
domain's ``classify_change``: a loosening or a change the student cannot tell goes on, a
tightening is ``policy_changed`` (docs/architecture.md, Playback).

Heartbeat and refresh ``adopt`` the new policy (a ``PolicyUpdated`` on the session, and a new
token in their answer); key requests and player events only ``check`` it, so the session's
record changes in one place and its heartbeat hands the player the new token."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.policy import Limits, max_playback_rate
from academy_video.domain.policy_change import PolicyChange, classify_change, policy_in_force

from ..errors import Denied, NotFound
from ..grants import Grants
from ..ports import Clock, Completions
from ..sessions import PlaybackSessions
from ..tokens import PlaybackClaims
from ..videos import Videos
from .checks import inactive_as_conflict, tightened_as_denied


@dataclass(frozen=True)
class InForce:
    """The rules in force for one student and video: the policy (None: blocked) and the
    (policy, grant) versions it was computed from."""

    policy: dict[str, Any] | None
    versions: tuple[int, int]


@dataclass(frozen=True)
class PolicyUpdate:
    """The session goes on: the policy it now plays under and the claims of its new token;
    ``news`` unless the presented token already carried them (the versions mirror behind the
    aggregates for a moment: nothing to hand over again); ``change``: what the rules in force
    are to the session's as recorded before this call (``unchanged`` when nothing the student
    can do changed, or another call adopted them first)."""

    policy: dict[str, Any]
    claims: PlaybackClaims
    news: bool
    change: PolicyChange = PolicyChange.UNCHANGED


class PolicyUpdates:
    def __init__(
        self,
        *,
        videos: Videos,
        grants: Grants,
        completions: Completions,
        sessions: PlaybackSessions,
        limits: Limits,
        clock: Clock,
    ) -> None:
        self.videos = videos
        self.grants = grants
        self.completions = completions
        self.sessions = sessions
        self.limits = limits
        self.clock = clock

    def in_force(self, video_id: int, enrollment_id: int) -> InForce:
        """The policy a session of this student would get now, from the aggregates themselves
        (the grant read once, so its rules and version agree). A deleted video: invalid_token."""
        try:
            video = self.videos.get(video_id)
        except NotFound:
            raise Denied("invalid_token") from None
        grant = self.grants.find(
            PermissionGrant.create_id(video_id, enrollment_id), PermissionGrant
        )
        rules = grant.rules if grant is not None and grant.active else None
        # The read model's one row, not the progress's history (thousands of events).
        completed = self.completions.is_completed(video_id, enrollment_id)
        policy = policy_in_force(video.defaults, rules, completed=completed, limits=self.limits)
        return InForce(policy, (video.policy_version, 0 if grant is None else grant.version))

    def adopt(self, claims: PlaybackClaims) -> PolicyUpdate:
        """The session goes on under the rules in force (recorded on it once, whoever asks
        first), or ``policy_changed`` if they tighten its own; ``session_inactive`` if it is no
        longer ACTIVE. The new token keeps the presented one's expiry."""

        def follow(session: PlaybackSession) -> PolicyUpdate:
            # Read under the session's write lock, again on a retry: never older than a
            # concurrent caller's.
            now = self.in_force(claims.video_id, claims.enrollment_id)
            policy_version, grant_version = now.versions
            change = session.follow_policy(
                now.policy,
                policy_version=policy_version,
                grant_version=grant_version,
                now=self.clock.now(),
            )
            fresh = replace(
                claims,
                policy_version=session.policy_version,
                grant_version=session.grant_version,
                max_rate=max_playback_rate(session.policy),
            )
            return PolicyUpdate(session.policy, fresh, fresh.versions != claims.versions, change)

        with tightened_as_denied(), inactive_as_conflict():
            return self.sessions.apply(
                PlaybackSession.create_id(claims.session_id), PlaybackSession, follow
            )

    def check(self, session: PlaybackSession) -> None:
        """Key requests and player events under versions no longer current: accepted unless
        the rules in force tighten the session's (``policy_changed``). Nothing is recorded."""
        now = self.in_force(session.video_id, session.enrollment_id)
        if now.versions == session.versions:
            return
        if classify_change(session.policy, now.policy) == PolicyChange.TIGHTENED:
            raise Denied("policy_changed")

    def check_claims(self, claims: PlaybackClaims) -> None:
        """``check`` for a presented token: the session it names, as recorded."""
        try:
            session = self.sessions.get(claims.session_id)
        except NotFound:
            raise Denied("invalid_token") from None
        self.check(session)
