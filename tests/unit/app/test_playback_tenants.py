"""The tenant in playback's bindings, in memory: the AES key endpoint's signed URL names a user
and a session but no tenant, so the session's tenant must be the video's (over HTTP, with the
same user id in two tenants: tests/http/test_playback_tenants.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from academy_video.app.errors import Denied, NotFound
from academy_video.domain.ids import is_tenant_code
from academy_video.domain.playback_session import PlaybackSession, SessionStatus
from academy_video.domain.video import key_object
from tests.fakes.media import InMemoryObjectStorage

from .conftest import ALICE, USERS, World
from .test_playback import start


def recorded_twin(
    world: World, ours: PlaybackSession, session_id: str, tenant: str
) -> PlaybackSession:
    """A session recorded like ``ours`` (same user id, video, rules) but under ``tenant``, as
    start never records one (its tenant is the caller's, and the video must be that tenant's)."""
    now = world.clock.now()
    twin = PlaybackSession(
        session_id=session_id,
        tenant=tenant,
        video_id=ours.video_id,
        enrollment_id=ours.enrollment_id,
        user_id=ours.user_id,
        device_id="d",
        policy=ours.policy,
        policy_version=ours.policy_version,
        grant_version=ours.grant_version,
        started_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    world.app.sessions.record_start(twin)
    return twin


def test_the_key_goes_to_a_session_of_the_videos_tenant_only(world: World) -> None:
    video = world.ready_video()
    ours = world.app.sessions.get(start(world, video).session_id)
    playback, now = world.app.playback, world.clock.now()
    storage = world.app.storage
    assert isinstance(storage, InMemoryObjectStorage)
    storage.put(key_object("demo", video), b"k" * 16)

    def key(session: PlaybackSession) -> bytes:
        return playback.keys.key(
            session_id=session.session_id, user_id=USERS[ALICE], video_id=video, scope=None
        )

    assert key(ours) == b"k" * 16

    # A session recorded for the same user id and video, but of another tenant.
    stray = recorded_twin(world, ours, "f" * 32, "other")
    refusal = world.app.store.start(
        tenant="other",
        user_id=USERS[ALICE],
        session_id=stray.session_id,
        device_id="d",
        now=now,
        ttl_seconds=600,
        max_sessions=2,
        max_devices=2,
    )
    assert refusal is None
    with pytest.raises(NotFound):
        key(stray)
    # The session store is asked under the session's tenant: ended there, refused.
    world.app.store.end(tenant="demo", user_id=USERS[ALICE], session_id=ours.session_id)
    with pytest.raises(Denied, match="session_inactive"):
        key(ours)


class CodesOnlyStore:
    """The Redis store's refusal of a key made from a tenant that is not a code, in memory."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        def checked(*args: Any, **kwargs: Any) -> Any:
            if "tenant" in kwargs and not is_tenant_code(kwargs["tenant"]):
                raise ValueError(f"not a tenant code: {kwargs['tenant']!r}")
            return method(*args, **kwargs)

        return checked


def test_reconcile_passes_over_a_session_recorded_under_a_tenant_that_is_not_a_code(
    world: World,
) -> None:
    """Recorded before tenant claims had to be codes: no store holds it, and no token of its
    student is accepted any more. Reconcile expires it without asking the store, and goes on to
    the sessions after it (one such row stopped every run on Redis)."""
    video = world.ready_video()
    ours = world.app.sessions.get(start(world, video).session_id)
    now = world.clock.now()
    old = recorded_twin(world, ours, "e" * 32, "Acme Academy")
    world.app.sessions.end(ours.session_id, now=now)  # closed; the store still holds it
    reconciliation = world.app.playback.reconciliation
    reconciliation.store = CodesOnlyStore(reconciliation.store)
    expired, closed = reconciliation.reconcile()
    assert (expired, closed) == (1, 1)
    assert world.app.sessions.get(old.session_id).status == SessionStatus.EXPIRED
    assert not reconciliation.store.is_active(
        tenant="demo", user_id=USERS[ALICE], session_id=ours.session_id, now=now
    )
