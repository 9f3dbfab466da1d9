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
others in the batch are answered. The client then rereads the slot map, and the next beats
find the promoted replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio.cluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from academy_video.app.tokens import PlaybackClaims

from .beat_scripts import grant_key, policy_key
from .clients import UNREACHABLE, by_slot, call_script, slot
from .session_store import KEY_SLACK_SECONDS, student_keys

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
    first key the third argument for EVALSHA, the second for MGET) go in one pipeline per
    primary, the pipelines at once: one round trip per primary, ``MOVED``/``ASK`` followed by the
    client, and a primary that cannot answer fails only its own commands."""
    by_node: dict[str, list[int]] = {}
    for position, command in enumerate(commands):
        key = command[3] if command[0] == "EVALSHA" else command[1]
        node = client.get_node_from_key(key)
        by_node.setdefault(node.name if node else "", []).append(position)

    async def run(positions: list[int]) -> list[Any]:
        pipe = client.pipeline()
        for position in positions:
            # redis-py refuses the named ``evalsha`` in a cluster pipeline (a script's keys
            # might span slots); these are one slot's each.
            pipe.execute_command(*commands[position])
        answers: list[Any] = await pipe.execute(raise_on_error=False)
        return answers

    outcomes = await asyncio.gather(*(run(p) for p in by_node.values()), return_exceptions=True)
    answers: list[Any] = [None] * len(commands)
    for positions, outcome in zip(by_node.values(), outcomes, strict=True):
        for n, position in enumerate(positions):
            answers[position] = outcome if isinstance(outcome, BaseException) else outcome[n]
    if any(isinstance(a, UNREACHABLE) for a in answers):
        await client.aclose()  # the slot map is reread before the next command
    return answers
