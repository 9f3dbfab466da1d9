"""Delivery: lease the deliveries that are due, sign and send each, record every attempt, and
schedule the next (``domain/webhook_retry.py``); a subscription whose deliveries failed without
a single success until one exhausted its schedule is disabled (its admins see it in the console).

Several delivery processes may run at once: a lease keeps a delivery to one of them, and one that
dies mid-batch leaves leases that run out, so its deliveries are sent again (at least once; the
``webhook-id`` is the same, so receivers drop the duplicate). Concurrency is bounded per target
host and per tenant, so one slow receiver cannot take every sender thread.

Three kinds of thread, none waiting for another's work: the loop (``run``) only hands leased
deliveries to the sender threads as slots free up; the sender threads sign and send; one
database thread leases (the next lease taken while half of the last one is still to be sent)
and records the attempts that ended, a batch at a time (``delivery_rounds.py``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any, TypeVar

from academy_video.domain.webhook_retention import DEFAULT_KEEP_DAYS
from academy_video.domain.webhook_retry import next_attempt_at

from ..ports import (
    Clock,
    DueDelivery,
    Finished,
    WebhookQueue,
    WebhookRequest,
    WebhookSecrets,
    WebhookSender,
)
from .application import Webhooks
from .backlog import Backlog
from .delivery_rounds import DeliveryRounds, Leased, Slot, body_of
from .retention import Background

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# (message id, unix timestamp, body, secrets) → the signed headers (Standard Webhooks).
Signer = Callable[[str, int, bytes, list[str]], dict[str, str]]
PREFETCH = 8  # slots' worth of deliveries leased at once
RECORD = 0.1  # seconds an ended attempt may wait to be recorded with others
RECORD_AT_ONCE = 64  # ended attempts recorded in one transaction, at most
# Of a lease, left after an attempt for its record (at most the attempt's own length: a lease is
# longer than two attempts, a setting's rule).
RECORD_MARGIN = timedelta(seconds=5)
MAX_BACKLOG = 16 * 64  # leased deliveries waiting in one process, at most
STOP_POLL = 0.05  # seconds between looks at the stop flag when nothing happens
PRUNE_FIRST = 60.0  # seconds after starting, the history is pruned a first time
PRUNE_EVERY = 3600.0  # and then this often


class Deliverer:
    def __init__(
        self,
        *,
        queue: WebhookQueue,
        secrets: WebhookSecrets,
        sender: WebhookSender,
        sign: Signer,
        webhooks: Webhooks,
        clock: Clock,
        owner: str,
        lease_seconds: float = 60.0,
        attempt_seconds: float = 15.0,
        concurrency: int = 16,
        per_host: int = 4,
        keep_days: int = DEFAULT_KEEP_DAYS,
        prune_every: float = PRUNE_EVERY,
        rand: Callable[[], float] = random.random,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.rounds = DeliveryRounds(
            queue, secrets, webhooks, clock, owner, timedelta(seconds=lease_seconds), keep_days
        )
        self.prune_every = prune_every
        self.sender, self.sign, self.clock = sender, sign, clock
        self.attempt = timedelta(seconds=attempt_seconds)  # the longest one attempt takes
        self.concurrency, self.per_host, self.rand = concurrency, per_host, rand
        # The signature's timestamp is the wall clock's: receivers refuse one minutes off theirs.
        self.wall = wall
        self._senders = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook")
        self._database = ThreadPoolExecutor(1, thread_name_prefix="webhook-db")
        self._lock = threading.Lock()  # over the four below
        self._busy: Counter[Slot] = Counter()  # attempts in flight per host and per tenant
        self._in_flight = 0
        self._done: list[tuple[DueDelivery, Finished]] = []
        self._unrecorded: set[int] = set()  # sent (or being sent), not recorded yet
        self._pruning = Background("webhook-prune")  # a prune may take long: not in the way
        self._change = threading.Event()  # an attempt ended, a round came back, or a wake
        self._woken = threading.Event()

    def run_once(self) -> int:
        """Send what is due now (one lease's worth), wait for it and record it; how many
        attempts were made."""
        backlog = Backlog()
        backlog.extend(self.rounds.lease(self.concurrency))
        while backlog or self._in_flight:
            self._start_what_may_go(backlog)
            self._next_change()
        return self._record(self._take_done())

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.5) -> None:
        """Deliver until ``stop`` is set; when nothing is due, lease again after
        ``idle_seconds`` (or when woken). What is in flight when ``stop`` is set is finished
        and recorded first; what was leased and not sent is given back."""
        backlog = Backlog()
        leasing: Future[list[Leased]] | None = None
        recording: Future[int] | None = None
        batch: list[tuple[DueDelivery, Finished]] = []  # what ``recording`` records
        idle_until = 0.0  # nothing was due: no lease before then (unless woken)
        recorded_at = record_after = time.monotonic()
        failed_records = 0
        prune_at = recorded_at + min(PRUNE_FIRST, self.prune_every)
        ahead = PREFETCH * self.concurrency
        while not stop.is_set():
            now = time.monotonic()
            if now >= prune_at:
                self._pruning.start(self.rounds.prune)
                prune_at = now + self.prune_every
            if self._woken.is_set():
                self._woken.clear()
                idle_until = 0.0
            with self._lock:
                ended, busy = len(self._done), self._in_flight
                full = self._full()
            if (
                recording is None
                and ended
                and now >= record_after
                and (ended >= RECORD_AT_ONCE or not busy or now - recorded_at > RECORD)
            ):
                batch = self._take_done()
                recording = self._in_database(self._record, batch)
            # Lease when few of those waiting could go now; a tenant holding many already is
            # skipped, so one tenant's slow receiver never fills the backlog for the others.
            sendable = len(backlog) - backlog.waiting_on(full)
            room = min(ahead - sendable, MAX_BACKLOG - len(backlog))
            if leasing is None and sendable < ahead // 2 and room > 0 and now >= idle_until:
                skip = backlog.tenants_holding(ahead // 2)
                leasing = self._in_database(self.rounds.lease, room, skip)
            self._start_what_may_go(backlog)
            self._next_change()
            if leasing is not None and leasing.done():
                leased = _result(leasing, "a lease") or []
                leasing = None
                backlog.extend(leased)
                if not leased:  # nothing due (or the database is away): look again later
                    idle_until = time.monotonic() + idle_seconds
            if recording is not None and recording.done():
                recorded_at = time.monotonic()
                if _result(recording, "recording attempts") is None:
                    self._keep_for_later(batch)  # the database may be away: wait longer
                    failed_records += 1
                    record_after = recorded_at + min(RECORD * 2**failed_records, 5.0)
                else:
                    failed_records = 0
                recording = None
        self._finish(backlog, leasing, recording, batch)

    def wake(self) -> None:
        """Deliveries were just queued: stop waiting for the next poll. Any thread may call it."""
        self._woken.set()
        self._change.set()

    def close(self) -> None:
        self._senders.shutdown(wait=True)
        self._database.shutdown(wait=True)
        self.sender.close()

    def _finish(
        self,
        backlog: Backlog,
        leasing: Future[list[Leased]] | None,
        recording: Future[int] | None,
        batch: list[tuple[DueDelivery, Finished]],
    ) -> None:
        if leasing is not None:
            wait([leasing])
            leased = _result(leasing, "a lease")
            backlog.extend(leased or [])
        with self._lock:  # one also in flight (leased again meanwhile) is not given back
            unsent = [one for one in backlog.drain() if one.due.delivery_id not in self._unrecorded]
        try:  # due again at once for the other processes, not when the leases run out
            self.rounds.release(unsent)
        except Exception:
            log.exception("webhooks: giving back unsent leases failed; they run out instead")
        if recording is not None:
            wait([recording])
            if _result(recording, "recording attempts") is None:
                self._keep_for_later(batch)
        while self._in_flight:
            self._next_change()
        try:
            self._record(self._take_done())
        except Exception:  # their leases run out and they are sent again
            log.exception("webhooks: the last attempts could not be recorded")

    def _start_what_may_go(self, backlog: Backlog) -> None:
        """Hand the backlog's deliveries to the sender threads while threads and slots are
        free; one whose host or tenant is busy waits and other hosts' go first. One whose
        lease leaves no time for a whole attempt and its record is left to whoever leases it
        next; one this process leased again before recording its last attempt is not sent
        twice (that record ends the new lease too)."""
        with self._lock:
            full = self._full()
            free = self.concurrency - self._in_flight
        now = self.clock.now()
        while free > 0 and (leased := backlog.next_for(full)) is not None:
            if now + self.attempt + min(self.attempt, RECORD_MARGIN) > leased.until:
                continue
            with self._lock:
                if leased.due.delivery_id in self._unrecorded:
                    continue
                self._unrecorded.add(leased.due.delivery_id)
                self._in_flight += 1
                for slot in leased.slots:
                    self._busy[slot] += 1
                    if self._busy[slot] >= self.per_host:
                        full.add(slot)
            free -= 1
            self._senders.submit(self._attempt, leased)

    def _full(self) -> set[Slot]:
        return {slot for slot, count in self._busy.items() if count >= self.per_host}

    def _record(self, done: list[tuple[DueDelivery, Finished]]) -> int:
        recorded = self.rounds.record(done)
        with self._lock:
            self._unrecorded.difference_update(due.delivery_id for due, _ in done)
        return recorded

    def _attempt(self, leased: Leased) -> None:
        due = leased.due
        finished = None
        try:
            body = body_of(due)
            headers = self.sign(due.message.message_id, int(self.wall()), body, leased.secrets)
            request = WebhookRequest(due.url, body, headers, tenant=due.message.tenant)
            result = self.sender.send(request)
            at = self.clock.now()
            retry_at = None if result.ok else next_attempt_at(due.attempt + 1, at, self.rand())
            finished = Finished(due.delivery_id, result, at, retry_at, result.ok)
        except Exception:  # not recorded: its lease runs out and it is sent again
            log.exception("webhooks: delivery %s could not be attempted", due.delivery_id)
        with self._lock:
            if finished is None:
                self._unrecorded.discard(due.delivery_id)
            self._in_flight -= 1
            for slot in leased.slots:
                self._busy[slot] -= 1
                if self._busy[slot] <= 0:
                    del self._busy[slot]  # hosts come and go: only the busy ones are kept
            if finished is not None:
                self._done.append((due, finished))
        self._change.set()

    def _take_done(self) -> list[tuple[DueDelivery, Finished]]:
        with self._lock:
            done, self._done = self._done, []
        return done

    def _keep_for_later(self, batch: list[tuple[DueDelivery, Finished]]) -> None:
        # Recorded with the next batch (or, if this process stops first, its lease runs out).
        with self._lock:
            self._done[:0] = batch

    def _next_change(self) -> None:
        self._change.wait(STOP_POLL)
        self._change.clear()

    def _in_database(self, work: Callable[..., _T], *args: Any) -> Future[_T]:
        """``work`` on the database thread; the loop is told when it is done."""
        future = self._database.submit(work, *args)
        future.add_done_callback(lambda _: self._change.set())
        return future


def _result(future: Future[_T], what: str) -> _T | None:
    """A database round's result; a failure is logged (the database may be away for a moment:
    the loop tries again) and is None."""
    try:
        return future.result()
    except Exception:
        log.exception("webhooks: %s failed; retrying", what)
        return None
