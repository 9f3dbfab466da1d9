"""The heartbeat batch on a Redis Cluster while a primary fails (review of issue 22, M5), on a
fake cluster client: a batch that meets the dead primary never closes the client shared with the
batches in flight, rereads the slot map instead and tries its failed commands once more (a
replica promoted meanwhile answers them)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import redis
import redis.asyncio.cluster
from redis.asyncio.cluster import PipelineCommand
from redis.commands.core import AsyncScript

from academy_video.adapters.redis.clients import slot
from academy_video.adapters.redis.session_store import student_keys
from academy_video.adapters.redis.slot_beats import beats_by_slot
from academy_video.app.tokens import PlaybackClaims

NOW, TTL = 1_000.0, 60


class FakeNode:
    def __init__(self, cluster: FakeCluster, name: str) -> None:
        self.cluster, self.name = cluster, name

    async def execute_pipeline(self, commands: list[PipelineCommand]) -> bool:
        await self.cluster.answer(self.name, [command.args for command in commands])
        for command in commands:
            command.result = self.cluster.reply(command.args)
        return False


class FakePipeline:
    """redis-py's cluster pipeline, as the code before this fix used it."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster, self.commands = cluster, list[tuple[Any, ...]]()

    def execute_command(self, *args: Any) -> None:
        self.commands.append(args)

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        name = self.cluster.route(self.commands[0][3 if self.commands[0][0] == "EVALSHA" else 1])
        await self.cluster.answer(name, self.commands)
        return [self.cluster.reply(args) for args in self.commands]


class FakeCluster:
    """Two primaries by slot parity; ``dead`` refuses connections; ``promoted`` is where its
    slots go once the slot map is reread. ``slow`` answers beats once ``release`` is set."""

    def __init__(self) -> None:
        self.dead, self.promoted, self.slow = "odd", "odd-replica", "even"
        self.release = asyncio.Event()
        self.rereads, self.closes, self.failed_over = 0, 0, False
        outer = self

        class Nodes:
            async def initialize(self) -> None:
                outer.rereads += 1
                outer.failed_over = True

        self.nodes_manager = Nodes()

    def route(self, key: str) -> str:
        if slot(key) % 2 == 0:
            return "even"
        return self.promoted if self.failed_over else "odd"

    def get_node_from_key(self, key: str, replica: bool = False) -> FakeNode:
        return FakeNode(self, self.route(key))

    def pipeline(self) -> FakePipeline:
        return FakePipeline(self)

    async def answer(self, name: str, commands: list[tuple[Any, ...]]) -> None:
        if name == self.dead:
            raise redis.ConnectionError("connection refused")
        if name == self.slow and commands[0][0] == "EVALSHA":  # the mirror's read is prompt
            await self.release.wait()
            if self.closes:
                raise redis.ConnectionError("closed by aclose()")

    def reply(self, args: tuple[Any, ...]) -> Any:
        if args[0] == "MGET":
            return ["2" if ":p" in key else "3" for key in args[1:]]
        beats = int(args[2]) // 4
        return [["2", "3", 1, ""]] * beats

    async def initialize(self) -> FakeCluster:
        return self

    async def aclose(self) -> None:
        self.closes += 1


class Script:
    sha = "0" * 40


SCRIPT = cast(AsyncScript, Script())  # the fake cluster answers any EVALSHA


def user_on(parity: int, skip: int = 0) -> int:
    users = (u for u in range(1, 1000) if slot(student_keys("demo", u)[0]) % 2 == parity)
    return [next(users) for _ in range(skip + 1)][-1]


def claims(user: int, video: int) -> PlaybackClaims:
    return PlaybackClaims("demo", user, video, 101, "s", 2, 3, 0)


def test_a_batch_meeting_the_dead_primary_leaves_the_batch_in_flight_alone() -> None:
    cluster = FakeCluster()
    video = next(v for v in range(1, 999) if slot(f"av:ver:{{v:{v}}}:p") % 2 == 0)
    on_even, on_odd = user_on(0), user_on(1)
    client = cast(redis.asyncio.cluster.RedisCluster, cluster)

    async def scenario() -> tuple[list[Any], list[Any]]:
        # A batch of a student on the living primary, waiting for its answer...
        in_flight = asyncio.create_task(
            beats_by_slot(client, SCRIPT, [(claims(on_even, video), True)], now=NOW, ttl=TTL)
        )
        await asyncio.sleep(0)
        # ...while another batch meets the dead primary.
        failing = await beats_by_slot(
            client, SCRIPT, [(claims(on_odd, video), True)], now=NOW, ttl=TTL
        )
        cluster.release.set()
        return await in_flight, failing

    answered, retried = asyncio.run(scenario())
    assert cluster.closes == 0  # the shared client was not closed under the other batch
    assert answered == [["2", "3", 1, ""]]
    # Reread once, tried once more: the promoted replica answered, no 503.
    assert cluster.rereads == 1
    assert retried == [["2", "3", 1, ""]]


def test_a_primary_still_dead_after_the_reread_is_unreachable_once() -> None:
    cluster = FakeCluster()
    cluster.promoted = cluster.dead  # not promoted yet
    cluster.release.set()
    video = next(v for v in range(1, 999) if slot(f"av:ver:{{v:{v}}}:p") % 2 == 0)
    client = cast(redis.asyncio.cluster.RedisCluster, cluster)
    beats = [(claims(user_on(1), video), True), (claims(user_on(0), video), True)]
    replies = asyncio.run(beats_by_slot(client, SCRIPT, beats, now=NOW, ttl=TTL))
    assert isinstance(replies[0], redis.ConnectionError)  # 503 for this student
    assert replies[1] == ["2", "3", 1, ""]
    assert cluster.rereads == 1 and cluster.closes == 0
