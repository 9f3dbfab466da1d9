"""Group commit: requests that arrive while a write is running are written together by the next.

The playback event batches of many students become one load-apply-save and one projection
instead of one each: the event store's table lock, the transaction and the read-model catch-up
are paid once per group. The write runs in a worker thread, so the event loop keeps accepting
requests meanwhile; those form the next group. A caller waits for its own item's result only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")
R = TypeVar("R")

MAX_GROUP = 200  # items per write: bounds one transaction's size and the wait behind it


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Callable[[list[T]], Sequence[R | BaseException]]) -> None:
        """``write(items)`` answers each item in order: its result, or the exception that
        refused it alone (a failure of the whole write fails every item of the group)."""
        self._write = write
        # Per event loop (a server has one; tests may run several at once, in threads).
        self._groups: WeakKeyDictionary[asyncio.AbstractEventLoop, _Group[T, R]] = (
            WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        group = self._groups.get(loop)
        if group is None:
            with self._lock:
                group = self._groups.setdefault(loop, _Group())
        future: asyncio.Future[R] = loop.create_future()
        group.pending.append((item, future))
        if group.writer is None or group.writer.done():
            group.writer = asyncio.create_task(self._drain(group))
        return await future

    async def _drain(self, group: _Group[T, R]) -> None:
        while group.pending:
            items, group.pending = group.pending[:MAX_GROUP], group.pending[MAX_GROUP:]
            try:
                answers = await asyncio.to_thread(self._write, [item for item, _ in items])
            except Exception as error:
                answers = [error] * len(items)
            for (_, future), answer in zip(items, answers, strict=True):
                if future.done():  # its caller went away
                    continue
                if isinstance(answer, BaseException):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)


@dataclass
class _Group(Generic[T, R]):
    pending: list[tuple[T, asyncio.Future[R]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None
