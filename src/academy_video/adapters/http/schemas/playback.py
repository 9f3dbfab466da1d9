"""Playback: start, heartbeats, player events, refresh, end."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from .common import Id


class PlaybackStartIn(Struct):
    video_id: Id | None = None
    enrollment_id: Id | None = None
    device_id: Annotated[str, Meta(max_length=128)] = ""


class PlaybackStartOut(Struct):
    token: str
    session_id: str
    expires_at: int
    policy: dict[str, object]
    play_url: str
    media_query: str


class TokenIn(Struct):
    token: Annotated[str, Meta(max_length=4096)] = ""


class HeartbeatPlaybackIn(TokenIn):
    position: Annotated[float, Meta(ge=0, le=1e7)] | None = None
    playback_rate: Annotated[float, Meta(gt=0, le=16)] | None = None


class ClientEventIn(Struct):
    type: Annotated[str, Meta(max_length=64)]
    occurred_at: float | None = None
    # Bounded by its serialized size, ACADEMY_VIDEO_EVENT_PAYLOAD_MAX_BYTES: the contract's
    # 413 event_payload_too_large (domain/event_budget.py), which no Meta here can express.
    payload: dict[str, object] | None = None


class EventsIn(TokenIn):
    # No length here: a batch over ACADEMY_VIDEO_EVENT_BATCH_MAX is the contract's 413
    # batch_too_large (app/playback.py), not a validation 400; the body limit bounds the parse.
    events: list[ClientEventIn] = []


class EndIn(TokenIn):
    """The old app's ``{"token"}``; ``events``, an addition (docs/architecture.md): the player's
    last queued events, stored before the session ends, bounded as a batch of ``EventsIn``."""

    events: list[ClientEventIn] | None = None


class EndOut(Struct, omit_defaults=True):
    """``{"ok": true}`` as before; with ``events`` sent, also how many were stored, and when
    they were refused without refusing the end, why (``events_refused``: the events endpoint's
    code); ``revoked`` when they revoked the session, which then had nothing left to end."""

    ok: bool  # no default: omit_defaults would leave it out
    stored: int | None = None
    events_refused: str | None = None
    revoked: bool = False


class RefreshOut(Struct, omit_defaults=True):
    ok: bool
    token: str
    expires_at: int
    play_url: str
    media_query: str
    # Only when this refresh moved the session to changed rules that take nothing away: the
    # policy the player applies from now on (an addition to the contract: docs/web.md), and
    # ``change``: ``loosened`` (something given: tell the student) or ``unchanged`` (nothing the
    # student can do changed: swap quietly).
    policy: dict[str, object] | None = None
    change: str | None = None


class HeartbeatOut(Struct, omit_defaults=True):
    """``{"ok": true}``; when the session moved to changed rules that take nothing away, also
    the policy the player applies from now on and the token for its later calls (same expiry
    as the one presented), and ``change``: ``loosened`` (something given: the player tells the
    student) or ``unchanged`` (nothing the student can do changed: a quiet swap). Additions to
    the contract: old clients ignore them."""

    ok: bool  # no default: omit_defaults would leave it out
    policy: dict[str, object] | None = None
    token: str | None = None
    expires_at: int | None = None
    change: str | None = None
