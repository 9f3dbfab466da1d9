"""The bound on the slow path: judging a token staler than the rules (``PolicyUpdates``) loads
aggregates, so a flood of them must cost one student, never everyone.

- Evaluations run on a small executor of their own: never the default one, where every
  student's event writes and progress credits run.
- At most one evaluation per session at a time: a caller of a session with one in flight waits
  for it (its own cancellation does not cancel it), then takes its answer.
- An answer (the value, or a ``Denied`` / ``Conflict`` refusal) is remembered for a while per
  question (the presented claims and the versions now current): a stale token presented again
  costs no evaluation. A heartbeat's adoption is also noted in the session store
  (``SessionStore.adopt``), which is what spares the session's later calls for good.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from ..errors import Conflict, Denied

T = TypeVar("T")

STALE_TOKEN_WORKERS = 2  # threads judging stale tokens, for all sessions of this process
REMEMBER_SECONDS = 30.0
REMEMBER_MAX = 4096  # answers remembered; the oldest go first

# An evaluation's outcome: (True, value) or (False, the refusal to raise).
Answer = tuple[bool, Any]


class StaleTokenJudge:
    def __init__(
        self,
        *,
        workers: int = STALE_TOKEN_WORKERS,
        remember_seconds: float = REMEMBER_SECONDS,
        remember_max: int = REMEMBER_MAX,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="stale-token")
        self.remember_seconds = remember_seconds
        self.remember_max = remember_max
        self.monotonic = monotonic
        self.evaluations = 0  # how many ran (the tests' and the metrics' count)
        self._running: dict[str, asyncio.Future[Answer]] = {}  # session → its evaluation
        self._answers: OrderedDict[Hashable, tuple[float, Answer]] = OrderedDict()

    async def judge(self, session_id: str, question: Hashable, work: Callable[[], T]) -> T:
        """``work()``'s answer to ``question`` for the session: remembered, or the one in
        flight for it, or evaluated now on the judge's executor."""
        while True:
            answer = self._remembered(question)
            if answer is not None:
                return cast(T, _given(answer))
            running = self._running.get(session_id)
            if running is None:
                break
            await asyncio.wait([running])  # another question of the session: after it
        future = asyncio.wrap_future(self.executor.submit(_evaluated, work))
        self.evaluations += 1
        self._running[session_id] = future

        def settled(done: asyncio.Future[Answer]) -> None:
            if self._running.get(session_id) is done:
                del self._running[session_id]
            if not done.cancelled() and done.exception() is None:
                self._remember(question, done.result())

        future.add_done_callback(settled)
        return cast(T, _given(await asyncio.shield(future)))

    async def remembered(self, session_id: str, question: Hashable) -> Any | None:
        """The value remembered for ``question`` once the session's evaluation in flight (if
        any) is done (None: none, or a refusal). Evaluates nothing."""
        running = self._running.get(session_id)
        if running is not None:
            await asyncio.wait([running])
        answer = self._remembered(question)
        return answer[1] if answer is not None and answer[0] else None

    def forget(self) -> None:
        """Drop every remembered answer (as a new process starts with none)."""
        self._answers.clear()

    def _remembered(self, question: Hashable) -> Answer | None:
        kept = self._answers.get(question)
        if kept is None:
            return None
        if kept[0] <= self.monotonic():
            del self._answers[question]
            return None
        return kept[1]

    def _remember(self, question: Hashable, answer: Answer) -> None:
        self._answers[question] = (self.monotonic() + self.remember_seconds, answer)
        self._answers.move_to_end(question)
        while len(self._answers) > self.remember_max:
            self._answers.popitem(last=False)


def _evaluated(work: Callable[[], Any]) -> Answer:
    """Run in the judge's thread: a refusal is an answer too (anything else, e.g. the store
    unavailable, is raised and not remembered)."""
    try:
        return True, work()
    except (Denied, Conflict) as refusal:
        return False, refusal


def _given(answer: Answer) -> Any:
    done, value = answer
    if not done:
        raise value.with_traceback(None)  # one refusal raised again: no growing traceback
    return value
