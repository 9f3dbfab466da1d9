"""Playback for students (another role is 403 ``forbidden``): start a session (limits checked
atomically in the session store), then refresh, heartbeat (with the position, which feeds
progress), end, and report player events. Every call after start presents the token, which is
bound to its student: the caller's tenant and user id."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio
from litestar import Request, Router, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from academy_video.app.errors import Invalid

from ..auth import requires
from ..deps import ERRORS, AppDep, CallerDep, caller_of
from ..schemas import (
    EventsIn,
    HeartbeatOut,
    HeartbeatPlaybackIn,
    PlaybackStartIn,
    PlaybackStartOut,
    Problem,
    RefreshOut,
    Stored,
    TokenIn,
)
from ..schemas.playback import ClientEventIn, EndIn, EndOut

# What the events route adds to ERRORS: its bounds (docs/configuration.md, "What one session
# may send").
EVENT_LIMITS = {
    413: ResponseSpec(
        Problem, description="`batch_too_large`, or `event_payload_too_large` (one event's)"
    ),
    429: ResponseSpec(
        Problem,
        description="The session's budget: `rate_limited` (per minute) or "
        "`event_budget_exhausted` (in total); `Retry-After` says in how many seconds to retry",
    ),
}


STUDENT = [requires("student")]


@post("/playback/start", sync_to_thread=True, guards=STUDENT, responses=ERRORS)
def start(caller: CallerDep, app: AppDep, data: JSONBody[PlaybackStartIn]) -> PlaybackStartOut:
    """201 with the token, the policy the player must apply, the signed master URL and the
    query that signs every media request of the session (``media_query``, docs/cdn.md)."""
    if data.video_id is None:
        raise Invalid("video_id_required")
    if data.enrollment_id is None:
        raise Invalid("enrollment_id_required")
    started = app.playback.starts.start(
        tenant=caller.tenant,
        user_id=caller.user_id,
        video_id=data.video_id,
        enrollment_id=data.enrollment_id,
        device_id=data.device_id,
    )
    return PlaybackStartOut(
        token=started.token,
        session_id=started.session_id,
        expires_at=started.expires_at,
        policy=started.policy,
        play_url=started.play_url,
        media_query=started.media_query,
    )


@post("/playback/refresh", sync_to_thread=True, status_code=200, guards=STUDENT, responses=ERRORS)
def refresh(caller: CallerDep, app: AppDep, data: JSONBody[TokenIn]) -> RefreshOut:
    """Extend the session; a fresh token, master URL and ``media_query`` with new expiries,
    and ``policy`` when the session went on under changed rules that take nothing away."""
    r = app.playback.live.refresh(tenant=caller.tenant, user_id=caller.user_id, token=data.token)
    change = None if r.policy is None else r.change.value
    return RefreshOut(True, r.token, r.expires_at, r.play_url, r.media_query, r.policy, change)


BEAT_OK = HeartbeatOut(True)  # the usual answer, built once


@post("/playback/heartbeat", status_code=200, guards=STUDENT, responses=ERRORS)
async def heartbeat(
    request: Request[Any, Any, Any], data: JSONBody[HeartbeatPlaybackIn]
) -> HeartbeatOut:
    """Keep the session alive; ``position`` (seconds) feeds the student's watch progress. When
    the session went on under changed rules that take nothing away: ``policy`` and ``token``
    (with its ``expires_at``) for the player's later calls.

    The hot path: on the event loop, waiting on Redis only (docs/architecture.md), and with no
    injected dependency (Litestar resolves two or more in an anyio task group); the caller is
    the one the guard read."""
    caller = caller_of(request)
    playback = request.app.state.container.playback.live
    beat = await playback.heartbeat(
        tenant=caller.tenant, user_id=caller.user_id, token=data.token, position=data.position
    )
    if beat.token is None:
        return BEAT_OK
    expires_at = beat.claims.expires_at
    return HeartbeatOut(True, beat.policy, beat.token, expires_at, beat.change.value)


END_OK = EndOut(True)  # the old app's answer, to its body


@post(
    "/playback/end", status_code=200, guards=STUDENT, responses={**ERRORS, 413: EVENT_LIMITS[413]}
)
async def end(request: Request[Any, Any, Any], data: JSONBody[EndIn]) -> EndOut:
    """End the session: it no longer holds a slot of the limits. ``events`` (an addition, for
    a page that closes: one request, where two would cross) are the player's last queued
    events, stored first as a batch of ``/playback/events`` would be (413 and 400 alike:
    nothing stored, nothing ended); refused for the session's state or its budget, they are
    dropped, ``events_refused`` says why, and the session ends all the same."""
    caller = caller_of(request)
    live = request.app.state.container.playback.live
    if data.events is None:  # the old app's body, answered as it did
        end_it = partial(live.end, tenant=caller.tenant, user_id=caller.user_id, token=data.token)
        await anyio.to_thread.run_sync(end_it)
        return END_OK
    ended = await live.end_with_events(
        tenant=caller.tenant, user_id=caller.user_id, token=data.token, events=as_dicts(data.events)
    )
    return EndOut(True, ended.stored, ended.events_refused, ended.revoked)


@post("/playback/events", status_code=201, guards=STUDENT, responses={**ERRORS, **EVENT_LIMITS})
async def events(request: Request[Any, Any, Any], data: JSONBody[EventsIn]) -> Stored:
    """Judge and store a batch of player events; enough violations revoke the session.

    A hot path like the heartbeat (no injected dependency); batches are written by group
    commit.
    Each event's payload is capped, and each session has a budget of events per minute and in
    total: a refused batch stores nothing and may be sent again after ``Retry-After``."""
    caller = caller_of(request)
    stored = await request.app.state.container.playback.live.report_events(
        tenant=caller.tenant,
        user_id=caller.user_id,
        token=data.token,
        events=as_dicts(data.events),
    )
    return Stored(stored)


def as_dicts(events: list[ClientEventIn]) -> list[dict[str, Any]]:
    return [{"type": e.type, "occurred_at": e.occurred_at, "payload": e.payload} for e in events]


router = Router("/", route_handlers=[start, refresh, heartbeat, end, events], tags=["playback"])
