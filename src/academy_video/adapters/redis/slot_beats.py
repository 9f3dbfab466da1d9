"""The heartbeat batch on a Redis Cluster (``heartbeats.py`` sends it on one Redis otherwise).

A batch holds the beats of many students, whose keys live in many slots, and the versions
mirror's keys live in their videos' slots, not the students'. So, per batch: the mirror's values
are read first (one ``MGET`` per slot, pipelined: one round trip per primary), then the beats
are grouped by the slot of their student and sent as one ``SLOT_BEATS`` call per slot, again
pipelined. Two round trips instead of one, but every command is one slot's, so the cluster
serves a batch whose students are spread over all primaries. Reading the mirror before the
script, not inside it, changes nothing that matters: the mirror is already a moment behind the
aggregates, and a beat is extended only under the versions it was given.

A slot whose primary has failed (until its replica is promoted): the calls of that slot fail
(``Unavailable``, 503) and the others in the batch are answered; the client then rereads the
slot map, so the next beats find the promoted replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio.cluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from academy_video.app.tokens import PlaybackClaims

from .beat_scripts import grant_key, policy_key
from .clients import UNREACHABLE, by_slot, call_script
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
    """Each beat's reply (as ``BEATS`` answers it), or the exception its slot's call raised.
    The mirror unreachable: raised, for the whole batch."""
    mirror = list(dict.fromkeys(key for claims, _ in beats for key in _mirror_keys(claims)))
    values = dict(zip(mirror, await client.mget_nonatomic(mirror), strict=True))
    groups = by_slot(
        (student_keys(claims.tenant, claims.user_id)[0], index)
        for index, (claims, _) in enumerate(beats)
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
    results = await _pipelined(client, script, calls)
    replies: list[Any] = [None] * len(beats)
    for indexes, result in zip(groups.values(), results, strict=True):
        for position, index in enumerate(indexes):
            replies[index] = result if isinstance(result, Exception) else result[position]
    return replies


def _mirror_keys(claims: PlaybackClaims) -> tuple[str, str]:
    return policy_key(claims.video_id), grant_key(claims.video_id, claims.enrollment_id)


async def _pipelined(
    client: redis.asyncio.cluster.RedisCluster, script: AsyncScript, calls: list[Call]
) -> list[Any]:
    """One EVALSHA per call, pipelined (one round trip per primary; ``MOVED``/``ASK`` followed
    by the client). A call answered ``NOSCRIPT`` (a promoted replica starts with no scripts) is
    sent again once the script is loaded where it runs (``call_script``)."""
    pipe = client.pipeline()
    for keys, args in calls:
        # redis-py blocks the named ``evalsha`` in a cluster pipeline (a script's keys might
        # span slots); these are one slot's each.
        pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
    results: list[Any] = await pipe.execute(raise_on_error=False)
    if any(isinstance(result, UNREACHABLE) for result in results):
        await client.aclose()  # the slot map is reread before the next command
    for position, result in enumerate(results):
        if isinstance(result, NoScriptError):
            keys, args = calls[position]
            try:
                results[position] = await call_script(client, script, keys, args)
            except Exception as error:
                results[position] = error
    return results
