"""The versions mirror's writes on a Redis Cluster (``VersionMirror`` in ``heartbeats.py``): one
pipeline per primary, not one call per slot.

The mirror is written by the projector, inside its per-Application lock: a Videos or Grants save
in this process waits for it. A catch-up's keys span many videos, so many slots; sent one slot at
a time through the cluster client, a primary that cannot answer cost a connect timeout per slot
(times the client's retries). Here the calls (each one slot's keys) go as one pipeline to each
primary's own connection: one round trip per primary, and a primary that cannot answer costs
one connect timeout, then rests ``REST_SECONDS`` (its calls are left for a later catch-up,
without waiting on it again) while the slot map is reread, so a promoted replica is found.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import redis.cluster
from redis.commands.core import Script
from redis.exceptions import AskError, MovedError, NoScriptError

from .clients import NOT_NOW, UNREACHABLE

log = logging.getLogger(__name__)

REST_SECONDS = 5.0  # a primary that could not answer is not waited on again for this long

Call = tuple[list[str], list[Any]]  # one script call: keys of one slot, arguments


def now() -> float:
    return time.monotonic()


class PrimaryPipelines:
    """Sends script calls grouped by primary; remembers the primaries resting after a failure."""

    def __init__(self, client: redis.cluster.RedisCluster) -> None:
        self.client: Any = client  # redis-py's cluster methods are untyped
        self._resting: dict[str, float] = {}  # primary's name -> when it may be asked again

    def send(self, script: Script, calls: Sequence[Call]) -> list[bool]:
        """Whether each call was done (False: its primary could not answer, or rests)."""
        by_node: dict[str, list[int]] = {}
        nodes: dict[str, Any] = {}
        done = [False] * len(calls)
        at = now()
        for position, (keys, _) in enumerate(calls):
            try:
                node = self.client.get_node_from_key(keys[0])
            except NOT_NOW:
                continue  # a slot no primary serves now (mid-failover): a later catch-up
            if node is None or self._resting.get(node.name, 0.0) > at:
                continue
            by_node.setdefault(node.name, []).append(position)
            nodes[node.name] = node
        failed = False
        for name, positions in by_node.items():
            connection = self.client.get_redis_connection(nodes[name])
            try:
                answers = _pipelined(connection, script, [calls[p] for p in positions])
                unloaded = [i for i, a in enumerate(answers) if isinstance(a, NoScriptError)]
                if unloaded:  # a primary just started or promoted: load once, send those again
                    connection.script_load(script.script)
                    again = _pipelined(connection, script, [calls[positions[i]] for i in unloaded])
                    for i, answer in zip(unloaded, again, strict=True):
                        answers[i] = answer
            except UNREACHABLE:
                self._resting[name] = now() + REST_SECONDS
                failed = True
                continue
            for position, answer in zip(positions, answers, strict=True):
                done[position] = self._settled(script, calls[position], answer)
        if failed:
            self._reread_slot_map()
        return done

    def _settled(self, script: Script, call: Call, answer: Any) -> bool:
        if not isinstance(answer, Exception):
            return True
        keys, args = call
        if not isinstance(answer, NoScriptError | MovedError | AskError):
            log.warning("versions mirror: a write refused: %s", answer)
            return False
        # A promoted replica has no scripts; a slot moved or moving: the cluster client loads
        # the script and follows the redirection (one call, rare).
        try:
            script(keys=keys, args=args)
        except NOT_NOW:
            return False
        return True

    def _reread_slot_map(self) -> None:
        try:
            self.client.nodes_manager.initialize()
        except NOT_NOW:
            log.warning("versions mirror: the cluster's slot map could not be read")


def _pipelined(connection: Any, script: Script, calls: Sequence[Call]) -> list[Any]:
    """The calls as one pipeline on one primary's connection; each answer, or its error."""
    pipe = connection.pipeline(transaction=False)
    for keys, args in calls:
        pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
    return list(pipe.execute(raise_on_error=False))
