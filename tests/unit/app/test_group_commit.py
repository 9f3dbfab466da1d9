"""Group commit: what arrives while a write runs is written together by the next write; each
caller gets its own item's answer; a refused write fails its group only."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from academy_video.app import group_commit
from academy_video.app.errors import Invalid, NotFound
from academy_video.app.group_commit import GroupCommit
from academy_video.app.sessions import Report
from academy_video.domain.playback_session import (
    ClientEvent,
    ReportOutcome,
    RevokeRule,
    SessionInactive,
)
from academy_video.domain.policy import GrantRules, Rule

from .conftest import ALICE, BOB, USERS, World
from .test_playback import start


def test_items_arriving_during_a_write_are_written_together_by_the_next() -> None:
    groups: list[list[int]] = []
    first_running, release = threading.Event(), threading.Event()

    def write(items: list[int]) -> Sequence[int | BaseException]:
        groups.append(items)
        if len(groups) == 1:
            first_running.set()
            release.wait(5)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    commit: GroupCommit[int, int] = GroupCommit(write)

    async def scenario() -> list[Any]:
        first = asyncio.create_task(commit.submit(0))
        await asyncio.to_thread(first_running.wait, 5)
        others = [asyncio.create_task(commit.submit(i)) for i in range(1, 10)]
        await asyncio.sleep(0)
        release.set()
        return await asyncio.gather(first, *others, return_exceptions=True)

    answers = asyncio.run(scenario())
    assert groups == [[0], list(range(1, 10))]
    assert answers[0::2] == [0, 20, 40, 60, 80]
    assert [str(a) for a in answers[1::2]] == ["odd 1", "odd 3", "odd 5", "odd 7", "odd 9"]


def test_a_refused_write_fails_its_group_and_the_next_one_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(group_commit, "MAX_GROUP", 3)
    calls: list[list[int]] = []

    def write(items: list[int]) -> Sequence[int | BaseException]:
        calls.append(items)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return items

    commit: GroupCommit[int, int] = GroupCommit(write)

    async def scenario() -> list[Any]:
        return await asyncio.gather(*(commit.submit(i) for i in range(5)), return_exceptions=True)

    answers = asyncio.run(scenario())
    assert calls == [[0, 1, 2], [3, 4]]  # no group larger than MAX_GROUP
    assert [type(a).__name__ for a in answers[:3]] == ["RuntimeError"] * 3
    assert answers[3:] == [3, 4]


NOW = datetime(2026, 1, 1, tzinfo=UTC)
RULE = RevokeRule(threshold=3, ratio=0.5)


def seek(n: int) -> list[ClientEvent]:
    return [ClientEvent("SEEK_ATTEMPT", None, {})] * n


def test_reports_for_several_sessions_are_one_save_in_order(world: World) -> None:
    video = world.ready_video()
    alice, bob = start(world, video).session_id, start(world, video, BOB).session_id
    sessions = world.app.sessions
    saves: list[int] = []
    save = sessions.save

    def counted_save(*aggregates: Any, **kwargs: Any) -> Any:
        saves.append(len(aggregates))
        return save(*aggregates, **kwargs)

    sessions.save = counted_save  # type: ignore[method-assign]
    answers = sessions.report_many(
        [
            Report(alice, [ClientEvent("FOCUS_LOST", None, {})], NOW),
            Report(bob, [ClientEvent("FOCUS_LOST", None, {})] * 2, NOW),
            Report("no-such-session", [ClientEvent("FOCUS_LOST", None, {})], NOW),
            Report(alice, [ClientEvent("FOCUS_GAINED", None, {})], NOW),
        ],
        rule=RULE,
    )
    assert saves == [2]  # one save, Alice's and Bob's sessions
    assert answers[0] == ReportOutcome(1, 0, False) and answers[1] == ReportOutcome(2, 0, False)
    assert isinstance(answers[2], NotFound)
    assert answers[3] == ReportOutcome(1, 0, False)
    assert sessions.get(alice).events_total == 2 and sessions.get(bob).events_total == 2


def test_a_batch_after_one_that_revoked_is_refused_alone(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant="demo", video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    alice = start(world, video).session_id  # `once`: seeking forward is a violation
    answers = world.app.sessions.report_many(
        [Report(alice, seek(3), NOW), Report(alice, [ClientEvent("FOCUS_GAINED", None, {})], NOW)],
        rule=RULE,
    )
    first, second = answers
    assert isinstance(first, ReportOutcome) and first.revoked
    assert isinstance(second, SessionInactive)


def test_a_save_refused_by_another_writer_falls_back_to_one_by_one(world: World) -> None:
    video = world.ready_video()
    alice, bob = start(world, video).session_id, start(world, video, BOB).session_id
    sessions = world.app.sessions
    save = sessions.save
    refused: list[bool] = []

    def save_once_refused(*aggregates: Any, **kwargs: Any) -> Any:
        if len(aggregates) > 1 and not refused:
            refused.append(True)
            raise IntegrityError("another process wrote one of them")
        return save(*aggregates, **kwargs)

    sessions.save = save_once_refused  # type: ignore[method-assign]
    batch = [ClientEvent("FOCUS_LOST", None, {})]
    answers = sessions.report_many([Report(alice, batch, NOW), Report(bob, batch, NOW)], rule=RULE)
    assert refused and answers == [ReportOutcome(1, 0, False)] * 2
    assert sessions.get(alice).events_total == 1 and sessions.get(bob).events_total == 1


def test_a_batch_the_store_cannot_take_fails_alone(world: World) -> None:
    """Bob's batch saved with Alice's: her payload cannot be stored (past 64 bits), so his
    must not fail with it; each is then saved on its own and only hers is refused."""
    video = world.ready_video()
    alice, bob = start(world, video).session_id, start(world, video, BOB).session_id
    sessions = world.app.sessions
    honest = [ClientEvent("FOCUS_LOST", None, {})]
    unstorable = [ClientEvent("FOCUS_LOST", None, {"n": 2**70})]  # got past the door somehow
    answers = sessions.report_many(
        [Report(alice, unstorable, NOW), Report(bob, honest, NOW)], rule=RULE
    )
    assert isinstance(answers[0], Exception) and answers[1] == ReportOutcome(1, 0, False)
    assert sessions.get(alice).events_total == 0 and sessions.get(bob).events_total == 1


def test_a_payload_the_store_cannot_take_is_refused_at_the_door(world: World) -> None:
    video = world.ready_video()
    token = start(world, video).token
    for payload in ({"n": 2**70}, {"n": -(2**64)}, {"deep": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}):
        with pytest.raises(Invalid, match=r"events\.payload"):
            world.report_events(
                user_id=USERS[ALICE],
                token=token,
                events=[{"type": "FOCUS_LOST", "payload": payload}],
            )
    stored = world.report_events(
        user_id=USERS[ALICE], token=token, events=[{"type": "FOCUS_LOST", "payload": {"n": 2**63}}]
    )
    assert stored == 1
