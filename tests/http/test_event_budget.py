"""A student's player events over HTTP are bounded: an oversized payload is 413, a session past
its budget per minute or in total is 429 with ``Retry-After``; a refused batch stores nothing, and
sent again after the wait it is stored once (in-process stores; Redis: tests/integration)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from academy_video.domain.event_budget import WINDOW_SECONDS, Window
from academy_video.domain.event_budget import wait as retry_after
from tests.fakes.clock_and_ids import FakeClock

from .conftest import Api, serving
from .test_playback import BOB, play, start

LIMITS = {
    "event_batch_max": 10,
    "event_payload_max_bytes": 64,
    "event_rate_per_minute": 20,
    "event_session_max": 35,
}


@pytest.fixture
def stores() -> dict[str, Any]:
    """Where the session store and the limiter live: in process here."""
    return {}


@pytest.fixture
def api(tmp_path: Path, stores: dict[str, Any]) -> Iterator[Api]:
    with serving(tmp_path, **LIMITS, **stores) as api:
        # The budget's minutes by hand, from the start of one: the limiter's windows are known.
        api.app.playback.live.clock = FakeClock(datetime.now(UTC).replace(second=0, microsecond=0))
        yield api


def batch(mark: int, n: int = 10) -> list[dict[str, Any]]:
    return [{"type": "FOCUS_LOST", "payload": {"b": mark, "i": i}} for i in range(n)]


def stored(api: Api, video: int) -> Counter[tuple[int, int]]:
    """How often each (batch, item) mark is in the read model."""
    params = {"video": video, "range": "all"}
    rows = api.call("GET", "/api/v1/video-playback-events/", params=params).json()
    return Counter((r["event_payload"]["b"], r["event_payload"]["i"]) for r in rows)


def test_an_oversized_payload_is_413_and_its_batch_stores_nothing(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    fat = {"type": "PLAYER_ERROR", "payload": {"b": 0, "details": "x" * 64}}
    refused = play(api, "events", token, events=[*batch(0, 9), fat])
    assert (refused.status_code, refused.json()) == (413, {"detail": "event_payload_too_large"})
    assert stored(api, video) == Counter()
    assert play(api, "events", token, events=batch(1)).json() == {"stored": 10}


def test_past_the_minute_budget_is_429_with_retry_after_and_then_stored_once(api: Api) -> None:
    video = api.ready_video()
    alice, bob = start(api, video).json()["token"], start(api, video, BOB).json()["token"]
    assert play(api, "events", alice, events=batch(0)).status_code == 201
    assert play(api, "events", alice, events=batch(1)).status_code == 201
    refused = play(api, "events", alice, events=batch(2))
    assert (refused.status_code, refused.json()) == (429, {"detail": "rate_limited"})
    wait = int(refused.headers["Retry-After"])
    playback = api.app.playback
    minute = Window("", playback.live.event_budget.per_minute, WINDOW_SECONDS)
    assert wait == retry_after(minute, 10, playback.live.clock.now())
    assert play(api, "events", bob, BOB, events=batch(9)).status_code == 201  # his own budget
    assert set(stored(api, video)) == {(b, i) for b in (0, 1, 9) for i in range(10)}
    playback.live.clock.advance(wait)  # type: ignore[attr-defined]
    assert play(api, "events", alice, events=batch(2)).json() == {"stored": 10}
    marks = stored(api, video)
    assert set(marks) == {(b, i) for b in (0, 1, 2, 9) for i in range(10)}
    assert set(marks.values()) == {1}  # each once


def test_past_the_total_is_429_until_the_token_lapses_and_counts_nothing(api: Api) -> None:
    video = api.ready_video()
    started = start(api, video).json()
    token = started["token"]
    for mark in range(3):  # a minute apart: within the per-minute budget
        assert play(api, "events", token, events=batch(mark)).status_code == 201
        api.app.playback.live.clock.advance(60)  # type: ignore[attr-defined]
    refused = play(api, "events", token, events=batch(3))
    assert (refused.status_code, refused.json()) == (429, {"detail": "event_budget_exhausted"})
    now = int(api.app.playback.live.clock.now().timestamp())
    assert int(refused.headers["Retry-After"]) == started["expires_at"] - now
    # What still fits is taken: the refused batch's charge was given back (else the minute's
    # 10 + 10 + 5 > 20); it is stored nowhere, and the session plays on.
    assert play(api, "events", token, events=batch(4, 5)).json() == {"stored": 5}
    assert set(stored(api, video)) == {(b, i) for b in (0, 1, 2) for i in range(10)} | {
        (4, i) for i in range(5)
    }
    assert play(api, "heartbeat", token).json() == {"ok": True}
    assert play(api, "events", token, events=batch(5, 1)).status_code == 429


def test_the_budget_is_in_the_schema(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    answers = schema["paths"]["/api/v1/playback/events"]["post"]["responses"]
    assert {"413", "429"} <= answers.keys()
