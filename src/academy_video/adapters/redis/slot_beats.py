"""The heartbeat batch on a Redis Cluster (``heartbeats.py`` sends it on one Redis otherwise).

A batch holds the beats of many students, whose keys live in many slots, and the versions
mirror's keys live in their videos' slots, not the students'. So, per batch: the mirror's values
are read first (one ``MGET`` per slot, pipelined: one round trip per primary), then the beats
are grouped by the slot of their student and sent as one ``SLOT_BEATS`` call per slot, again
pipelined. Two round trips instead of one, but every command is one slot's, so the cluster
serves a batch whose students are spread over all primaries. Reading the mirror before the
script, not inside it, changes nothing that matters: the mirror is already a moment behind the
aggregates, and a beat is extended only under the versions it was given.

A primary that has failed (until its replica is promoted): the beats of students, or of
videos, whose slots it served fail (``Unavailable``, 503); one pipeline per primary, so the
others in the batch are answered. The slot map is then reread and the failed commands tried
once more (a replica promoted meanwhile answers them); the next beats find it anyway. The
pipelines go to each node's own connections, not through redis-py's cluster pipeline, and the
client is never closed: both would cut the other batches in flight on the process's one client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import redis.asyncio.cluster
from redis.asyncio.cluster import ClusterNode, PipelineCommand
from redis.commands.core import AsyncScript
from redis.exceptions import (
    AskError,
    MovedError,
    NoScriptError,
    SlotNotCoveredError,
    TryAgainError,
)

from academy_video.app.tokens import PlaybackClaims

from .beat_scripts import grant_key, policy_key
from .clients import NOT_NOW, UNREACHABLE, by_slot, call_script, slot
from .session_store import KEY_SLACK_SECONDS, student_keys

REDIRECTED = (MovedError, AskError, TryAgainError)  # the slot moved, is moving, or is busy

Beat = tuple[PlaybackClaims, bool]  # the token's claims, and whether to extend the session
Call = tuple[list[str], list[Any]]  # one script call's keys and arguments


async def beats_by_slot(
    client: redis.asyncio.cluster.RedisCluster,
    script: AsyncScript,
    beats: Sequence[Beat],
    *,
    now: float,
    ttl: int,
) -> list[Any]:
    """Each beat's reply (as ``BEATS`` answers it), or the exception that kept it: its
    student's slot, or its video's mirror slot, unreachable."""
    await client.initialize()  # the slot map (a no-op once read)
    mirror = by_slot(
        (key, key) for key in dict.fromkeys(k for claims, _ in beats for k in _mirror_keys(claims))
    )
    read = await _per_primary(client, [("MGET", *keys) for keys in mirror.values()])
    values: dict[str, Any] = {}
    for slot_keys, answer in zip(mirror.values(), read, strict=True):
        got = [answer] * len(slot_keys) if _failed(answer) else answer
        values.update(zip(slot_keys, got, strict=True))
    replies: list[Any] = [None] * len(beats)
    groups: dict[int, list[int]] = {}
    for index, (claims, _) in enumerate(beats):
        failed = next((values[k] for k in _mirror_keys(claims) if _failed(values[k])), None)
        if failed is not None:
            replies[index] = failed
        else:
            groups.setdefault(slot(student_keys(claims.tenant, claims.user_id)[0]), []).append(
                index
            )
    calls: list[Call] = []
    for indexes in groups.values():
        keys: list[str] = []
        args: list[Any] = [now, ttl, KEY_SLACK_SECONDS]
        for index in indexes:
            claims, extend = beats[index]
            policy, grant = _mirror_keys(claims)
            keys += student_keys(claims.tenant, claims.user_id)
            args += [claims.session_id, claims.policy_version, claims.grant_version]
            args += [int(extend), values[policy] or "", values[grant] or ""]
        calls.append((keys, args))
    commands = [("EVALSHA", script.sha, len(keys), *keys, *args) for keys, args in calls]
    results = await _per_primary(client, commands)
    for position, result in enumerate(results):
        if isinstance(result, NoScriptError):  # a promoted replica starts with no scripts
            keys, args = calls[position]
            try:
                results[position] = await call_script(client, script, keys, args)
            except Exception as error:
                results[position] = error
    for indexes, result in zip(groups.values(), results, strict=True):
        for position, index in enumerate(indexes):
            replies[index] = result if _failed(result) else result[position]
    return replies


def _mirror_keys(claims: PlaybackClaims) -> tuple[str, str]:
    return policy_key(claims.video_id), grant_key(claims.video_id, claims.enrollment_id)


def _failed(answer: Any) -> bool:
    return isinstance(answer, Exception)


async def _per_primary(
    client: redis.asyncio.cluster.RedisCluster, commands: list[tuple[Any, ...]]
) -> list[Any]:
    """Each command's answer, or the exception that kept it. Commands (each of one slot, its
    first key the fourth argument for EVALSHA, the second for MGET) go in one pipeline per
    primary, the pipelines at once: one round trip per primary. Those a primary could not
    answer are tried once more after the slot map is reread (a replica promoted meanwhile);
    those answered ``MOVED``/``ASK``/``TRYAGAIN`` once more through the client, which follows
    the redirection."""
    answers = await _pipelines(client, commands, range(len(commands)))
    unreachable = [n for n, answer in enumerate(answers) if isinstance(answer, UNREACHABLE)]
    if unreachable:
        try:
            # Not ``aclose()``: that drops every connection, the other batches' in flight too.
            # A reread keeps the nodes that stay, their connections reconnecting once idle.
            await client.nodes_manager.initialize()
        except NOT_NOW:
            return answers  # no node answered: those stay unreachable (503)
        again = await _pipelines(client, commands, unreachable)
        for position, answer in zip(unreachable, again, strict=True):
            answers[position] = answer
    for position, answer in enumerate(answers):
        if isinstance(answer, REDIRECTED):
            try:
                answers[position] = await client.execute_command(*commands[position])
            except Exception as error:
                answers[position] = error
    return answers


async def _pipelines(
    client: redis.asyncio.cluster.RedisCluster,
    commands: list[tuple[Any, ...]],
    positions: Iterable[int],
) -> list[Any]:
    """The answers of the commands at ``positions``: one pipeline per primary, on the node's
    own connection. Not the client's cluster pipeline: on a connection error it closes the whole
    client (every node's connections, other batches' in flight too) and retries after sleeping."""
    by_node: dict[str, tuple[ClusterNode, list[int]]] = {}
    answers: dict[int, Any] = {}
    for position in positions:
        command = commands[position]
        try:
            node = client.get_node_from_key(command[3] if command[0] == "EVALSHA" else command[1])
        except SlotNotCoveredError as error:  # its primary failed, no replica promoted yet
            answers[position] = error
            continue
        assert node is not None  # a primary is asked for
        by_node.setdefault(node.name, (node, []))[1].append(position)

    async def run(node: ClusterNode, batch: list[int]) -> list[Any]:
        queued = [PipelineCommand(n, *commands[p]) for n, p in enumerate(batch)]
        await node.execute_pipeline(queued)
        return [command.result for command in queued]

    outcomes = await asyncio.gather(
        *(run(node, batch) for node, batch in by_node.values()), return_exceptions=True
    )
    for (_, batch), outcome in zip(by_node.values(), outcomes, strict=True):
        for n, position in enumerate(batch):
            answers[position] = outcome if isinstance(outcome, BaseException) else outcome[n]
    return [answers[position] for position in sorted(answers)]
