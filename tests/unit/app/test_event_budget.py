"""A student's player events are bounded: each payload is capped before the batch joins the group
commit, and each session has a budget per minute and in total. A refused batch stores and counts
nothing, so the same batch sent again later is stored once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypedDict, Unpack

import pytest
from eventsourcing.persistence import IntegrityError

from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.app.config import Settings
from academy_video.app.errors import RateLimited
from academy_video.app.sessions import Report
from academy_video.domain.event_budget import WINDOW_SECONDS, PayloadTooLarge, Window, wait
from academy_video.domain.playback_session import ClientEvent

from .conftest import ALICE, BOB, TENANT, USERS, World, make_world
from .test_playback import start

BATCH = [{"type": "FOCUS_LOST"}] * 10


Budgeted = Callable[..., World]


class Budget(TypedDict, total=False):
    event_rate_per_minute: int
    event_session_max: int
    event_student_day_max: int


@pytest.fixture
def budgeted(world: World) -> Budgeted:
    """Worlds with small budgets, on the backend ``world`` is built on (in memory here; the
    stored backends in tests/integration/test_application_suite.py)."""

    def make(**limits: Unpack[Budget]) -> World:
        return make_world(
            Settings(
                playback_token_secret="test-secret",
                max_sessions=2,
                max_devices=2,
                progress_flush_seconds=0,
                event_batch_max=10,
                event_payload_max_bytes=64,
                **limits,
            )
        )

    return make


def charged(world: World, user: int = USERS[ALICE]) -> int:
    """Events charged to the student's current minute in the (in-memory) limiter."""
    limiter = world.app.playback.live.intake.limiter
    assert isinstance(limiter, InMemoryRateLimiter)
    [minute, *_] = world.app.playback.live.event_budget.windows(TENANT, user)
    window = int(world.clock.now().timestamp() // WINDOW_SECONDS)
    return limiter._counts.get((minute.key, WINDOW_SECONDS, window), 0)


def test_a_payload_over_the_cap_refuses_its_batch_before_the_group_commit(
    budgeted: Budgeted,
) -> None:
    world = budgeted(event_rate_per_minute=20)
    started = start(world, world.ready_video())
    written: list[list[Report]] = []
    report_many = world.app.sessions.report_many

    def spy(reports: list[Report], **kwargs: Any) -> Any:
        written.append(reports)
        return report_many(reports, **kwargs)

    world.app.sessions.report_many = spy  # type: ignore[method-assign]
    fat = {"type": "PLAYER_ERROR", "payload": {"details": "x" * 60}}
    with pytest.raises(PayloadTooLarge, match="event_payload_too_large"):
        world.report_events(user_id=USERS[ALICE], token=started.token, events=[*BATCH[:9], fat])
    assert written == []  # never near another student's batch
    assert world.app.sessions.get(started.session_id).events_total == 0
    assert charged(world) == 0  # nor charged to the student's minute
    thin = {"type": "PLAYER_ERROR", "payload": {"details": "x" * 40}}
    assert world.report_events(user_id=USERS[ALICE], token=started.token, events=[thin]) == 1


def test_past_the_minute_budget_a_batch_waits_and_is_then_stored_once(budgeted: Budgeted) -> None:
    world = budgeted(event_rate_per_minute=20)
    video = world.ready_video()
    alice, bob = start(world, video), start(world, video, BOB)
    user = USERS[ALICE]
    assert world.report_events(user_id=user, token=alice.token, events=BATCH) == 10
    assert world.report_events(user_id=user, token=alice.token, events=BATCH) == 10
    with pytest.raises(RateLimited, match="rate_limited") as refused:
        world.report_events(user_id=user, token=alice.token, events=BATCH)
    budget = world.app.playback.live.event_budget
    minute = Window("", budget.per_minute, WINDOW_SECONDS)
    assert refused.value.retry_after == wait(minute, 10, world.clock.now())
    assert world.app.sessions.get(alice.session_id).events_total == 20
    # Bob has his own budget.
    assert world.report_events(user_id=USERS[BOB], token=bob.token, events=BATCH) == 10
    # After the wait the same batch is taken, once.
    world.clock.advance(refused.value.retry_after or 0)
    assert world.report_events(user_id=user, token=alice.token, events=BATCH) == 10
    session = world.app.sessions.get(alice.session_id)
    assert session.events_total == 30
    stored = world.app.sessions.repository.event_store.get(session.id)
    assert [type(e).__name__ for e in stored] == ["Started"] + ["EventsReported"] * 3


def test_a_group_crossing_the_total_stores_the_batches_before_it_and_refunds_the_refused(
    budgeted: Budgeted,
) -> None:
    """Batches of one session in one group commit: each is judged against the session as saved
    with the ones before it, the one that would cross the total is refused (its per-minute
    charge given back) and a smaller one after it still fits."""
    world = budgeted(event_rate_per_minute=60, event_session_max=25)
    started = start(world, world.ready_video())
    playback, user, token = world.app.playback, USERS[ALICE], started.token
    groups: list[int] = []
    first_running, release = threading.Event(), threading.Event()
    report_many = world.app.sessions.report_many

    def held(reports: list[Report], **kwargs: Any) -> Any:
        groups.append(len(reports))
        if len(groups) == 1:
            first_running.set()
            release.wait(10)
        return report_many(reports, **kwargs)

    world.app.sessions.report_many = held  # type: ignore[method-assign]

    async def scenario() -> list[Any]:
        def send(n: int) -> Any:
            return playback.live.report_events(
                tenant=TENANT, user_id=user, token=token, events=BATCH[:n]
            )

        first = asyncio.create_task(send(10))
        await asyncio.to_thread(first_running.wait, 10)
        others = [asyncio.create_task(send(n)) for n in (10, 10, 5)]
        pending = playback.live._reports._groups[asyncio.get_running_loop()].pending
        for _ in range(10_000):  # until all three wait in the next group
            if len(pending) == 3:
                break
            await asyncio.sleep(0.001)
        release.set()
        return await asyncio.gather(first, *others, return_exceptions=True)

    answers = asyncio.run(scenario())
    assert groups == [1, 3]
    assert answers[:2] == [10, 10] and answers[3] == 5
    refused = answers[2]
    assert isinstance(refused, RateLimited) and refused.code == "event_budget_exhausted"
    assert refused.retry_after == started.expires_at - int(world.clock.now().timestamp())
    assert world.app.sessions.get(started.session_id).events_total == 25
    assert charged(world) == 25  # the refused 10 were given back
    # The session has spent its budget: sent again, the batch is refused again, and counted
    # nowhere.
    with pytest.raises(RateLimited, match="event_budget_exhausted"):
        world.report_events(user_id=user, token=token, events=BATCH)
    assert world.app.sessions.get(started.session_id).events_total == 25
    assert charged(world) == 25


def test_a_batch_refused_after_its_charge_gives_the_charge_back(budgeted: Budgeted) -> None:
    world = budgeted(event_rate_per_minute=20)
    started = start(world, world.ready_video())
    world.app.sessions.end(started.session_id, now=world.clock.now())  # recorded, store not told
    with pytest.raises(Exception, match="session_inactive"):
        world.report_events(user_id=USERS[ALICE], token=started.token, events=BATCH)
    assert charged(world) == 0


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"event_rate_per_minute": 199}, "EVENT_RATE_PER_MINUTE: must be 0 .* or at least"),
        ({"event_session_max": -1}, "EVENT_SESSION_MAX: must be 0"),
        ({"event_payload_max_bytes": -5}, "EVENT_PAYLOAD_MAX_BYTES: must be 0"),
    ],
)
def test_budgets_that_cannot_work_stop_start_up(limits: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(**limits)  # type: ignore[arg-type]
    environ = {f"ACADEMY_VIDEO_{name.upper()}": str(value) for name, value in limits.items()}
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environ)
    assert Settings(event_rate_per_minute=0).event_rate_per_minute == 0  # no limit


def test_a_group_refused_by_another_writer_judges_the_total_alike_one_by_one(
    budgeted: Budgeted,
) -> None:
    """The save of a group refused (another process wrote one of its sessions): each batch is
    reported on its own, against the same total."""
    world = budgeted(event_rate_per_minute=60, event_session_max=25)
    session_id = start(world, world.ready_video()).session_id
    sessions, now = world.app.sessions, world.clock.now()
    save = sessions.save
    refused: list[bool] = []

    def save_once_refused(*aggregates: Any, **kwargs: Any) -> Any:
        if not refused:
            refused.append(True)
            raise IntegrityError("another process wrote it")
        return save(*aggregates, **kwargs)

    sessions.save = save_once_refused  # type: ignore[method-assign]
    items = [ClientEvent("FOCUS_LOST")] * 10
    answers = sessions.report_many(
        [Report(session_id, batch, now) for batch in (items, items, items, items[:5])],
        rule=world.app.playback.live.revoke_rule,
        budget=world.app.playback.live.event_budget,
    )
    assert refused and [getattr(a, "stored", type(a).__name__) for a in answers] == [
        10,
        10,
        "EventBudgetExhausted",
        5,
    ]
    assert sessions.get(session_id).events_total == 25


def test_a_new_session_is_no_new_minute_or_day_for_its_student(budgeted: Budgeted) -> None:
    """The minute and the day count all of a student's sessions: ending a session and starting
    another (as often as starts allow) buys no budget."""
    world = budgeted(event_rate_per_minute=20, event_student_day_max=50)
    video, user = world.ready_video(), USERS[ALICE]

    def send_in_a_new_session() -> int:
        started = start(world, video)
        try:
            return world.report_events(user_id=user, token=started.token, events=BATCH)
        finally:
            world.app.playback.live.end(tenant=TENANT, user_id=user, token=started.token)

    assert send_in_a_new_session() + send_in_a_new_session() == 20
    with pytest.raises(RateLimited, match="rate_limited"):
        send_in_a_new_session()  # the student's minute is spent, whatever the session
    world.clock.advance(120)
    assert send_in_a_new_session() + send_in_a_new_session() == 20
    world.clock.advance(120)
    assert send_in_a_new_session() == 10  # 50 in the day
    world.clock.advance(120)
    with pytest.raises(RateLimited, match="rate_limited") as refused:
        send_in_a_new_session()  # the day is spent; its wait runs to the next day's room
    assert (refused.value.retry_after or 0) > 3600
    assert charged(world) == 0  # nothing of the refused batches was counted this minute
