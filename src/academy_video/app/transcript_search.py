"""Searching what was said in the lectures: the published caption tracks' cues of the caller's
tenant (``TranscriptIndex``), for staff and admins all of them, for a student only the videos
they may play now, by the same answer as playback's (``PlaybackAccess.student_videos``)."""

from __future__ import annotations

from dataclasses import dataclass

from academy_video.domain.transcript_search import (
    SEARCHES_PER_MINUTE,
    search_limit,
    search_query,
    snippet,
)

from .errors import RateLimited
from .playback.access import PlaybackAccess
from .ports import Clock, RateLimiter, TranscriptHit, TranscriptIndex

# A student's hits are filtered after the index answers: it is asked for this many, so a
# student who may play few of many matching videos costs a bounded amount of work (and may
# get fewer than ``limit`` results).
STUDENT_CANDIDATES = 1_000


@dataclass(frozen=True)
class TranscriptResult:
    video_id: int
    session_id: int  # the lecture session the video is in (a player lists its videos by it)
    title: str
    language: str
    start_ms: int
    snippet: str  # HTML-escaped, the matches in ``<mark>``


class TranscriptSearch:
    def __init__(
        self,
        *,
        index: TranscriptIndex,
        access: PlaybackAccess,
        limiter: RateLimiter,
        clock: Clock,
        per_minute: int = SEARCHES_PER_MINUTE,
    ) -> None:
        self.index = index
        self.access = access
        self.limiter = limiter
        self.clock = clock
        self.per_minute = per_minute

    def search(
        self,
        *,
        tenant: str,
        user_id: int,
        staff: bool,
        query: str,
        lecture_id: int | None = None,
        limit: int | None = None,
    ) -> list[TranscriptResult]:
        text, count = search_query(query), search_limit(limit)
        if self.per_minute > 0 and not self.limiter.allow(
            f"search:{tenant}:{user_id}",
            limit=self.per_minute,
            window_seconds=60,
            now=self.clock.now(),
        ):
            raise RateLimited()
        if staff:
            hits = self.index.search(
                tenant, text, lecture_id=lecture_id, ready_only=False, limit=count
            )
        else:
            hits = self._playable(tenant, user_id, text, lecture_id, count)
        return [
            TranscriptResult(
                h.video_id, h.session_id, h.title, h.language, h.start_ms, snippet(h.text, text)
            )
            for h in hits
        ]

    def _playable(
        self, tenant: str, user_id: int, text: str, lecture_id: int | None, count: int
    ) -> list[TranscriptHit]:
        hits = self.index.search(
            tenant,
            text,
            lecture_id=lecture_id,
            ready_only=True,  # what the student's list of a session's videos is given
            limit=STUDENT_CANDIDATES,
        )
        sessions: dict[int, set[int]] = {}
        for hit in hits:
            sessions.setdefault(hit.session_id, set()).add(hit.video_id)
        allowed: set[int] = set()
        for session_id, videos in sessions.items():
            answer = self.access.student_videos(
                tenant=tenant,
                user_id=user_id,
                session_id=session_id,
                ready_videos=sorted(videos),
            )
            allowed |= {v for v in videos if v in answer.denials and answer.denials[v] is None}
        return [hit for hit in hits if hit.video_id in allowed][:count]
