"""Delivery: lease the deliveries that are due, sign and send each, record every attempt, and
schedule the next (``domain/webhook_retry.py``); a subscription whose deliveries failed without
a single success until one exhausted its schedule is disabled (its admins see it in the console).

Several delivery processes may run at once: a lease keeps a delivery to one of them, and one that
dies mid-batch leaves leases that run out, so its deliveries are sent again (at least once; the
``webhook-id`` is the same, so receivers drop the duplicate). Concurrency is bounded per target
host, so one slow receiver cannot take every sender thread. The database work is done in
batches by the loop's own thread (a lease, the secrets, the attempts recorded together); the
sender threads only sign and send.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

import msgspec

from academy_video.domain.webhook_catalogue import iso_utc
from academy_video.domain.webhook_retry import next_attempt_at, should_disable
from academy_video.domain.webhook_subscription import DISABLED_FAILING, WebhookSubscription

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

log = logging.getLogger(__name__)

# (message id, unix timestamp, body, secrets) → the signed headers (Standard Webhooks).
Signer = Callable[[str, int, bytes, list[str]], dict[str, str]]
PREFETCH = 4  # threads' worth of deliveries leased at once
RECORD = 0.1  # seconds an ended attempt may wait to be recorded with others


@dataclass(frozen=True)
class Leased:
    due: DueDelivery
    secrets: list[str]  # the subscription's, when it was leased
    until: datetime  # the lease's end


def body_of(due: DueDelivery) -> bytes:
    """What is POSTed: the public event, its id and type beside the tenant and data."""
    message = due.message
    return msgspec.json.encode(
        {
            "id": message.message_id,
            "type": message.type,
            "timestamp": iso_utc(message.occurred_at),
            "tenant": message.tenant,
            "data": message.data,
        }
    )


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
        threads: int = 8,
        per_host: int = 4,
        rand: Callable[[], float] = random.random,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.queue, self.secrets, self.sender, self.sign = queue, secrets, sender, sign
        self.webhooks, self.clock, self.owner = webhooks, clock, owner
        self.lease = timedelta(seconds=lease_seconds)
        self.attempt = timedelta(seconds=attempt_seconds)  # the longest one attempt takes
        self.threads, self.per_host, self.rand = threads, per_host, rand
        # The signature's timestamp is the wall clock's: receivers refuse one minutes off theirs.
        self.wall = wall
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook")
        self._hosts: dict[tuple[str, str], threading.Semaphore] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._in_flight = 0
        self._woken = False
        self._done: list[tuple[DueDelivery, Finished]] = []

    def run_once(self) -> int:
        """Send what is due now (up to one per thread), wait for it and record it; how many
        attempts were made."""
        for leased in self._lease(self.threads):
            self._submit(leased, self._slots(leased.due), wait=True)
        with self._changed:
            while self._in_flight:
                self._changed.wait()
        return self._record()

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.5) -> None:
        """Deliver until ``stop`` is set. Deliveries are leased several threads' worth at a time
        (one query for many) and handed to the threads as they free up (a slow receiver holds
        only its own threads); what ended is recorded together; when nothing is due, wait
        ``idle_seconds`` (or until an attempt ends). What is in flight when ``stop`` is set is
        finished and recorded first; what was leased and not sent is left to its lease."""
        backlog: deque[Leased] = deque()
        recorded_at = time.monotonic()
        while not stop.is_set():
            try:
                # Attempts are recorded a batch at a time (a transaction each), not one by one.
                with self._lock:
                    ended, busy = len(self._done), self._in_flight
                if ended >= self.threads or not busy or time.monotonic() - recorded_at > RECORD:
                    self._record()
                    recorded_at = time.monotonic()
                if len(backlog) < self.threads:
                    backlog.extend(self._lease(PREFETCH * self.threads - len(backlog)))
            except Exception:  # the queue's database may be away for a moment: try again
                log.exception("webhooks: a delivery round failed; retrying")
            submitted, waiting = 0, deque[Leased]()
            while backlog and self._in_flight < self.threads:
                leased = backlog.popleft()
                slots = self._slots(leased.due)
                if not _take_all(slots):  # its host or tenant is busy: others go first
                    waiting.append(leased)
                    continue
                submitted += self._submit(leased, slots)
            backlog.extendleft(reversed(waiting))
            if not submitted:
                with self._changed:
                    if not self._woken and (not self._done or self._in_flight):
                        self._changed.wait(RECORD if self._done else idle_seconds)
                    self._woken = False
        with self._changed:
            while self._in_flight:
                self._changed.wait()
        self._record()

    def wake(self) -> None:
        """Deliveries were just queued: stop waiting for the next poll."""
        with self._changed:
            self._woken = True
            self._changed.notify_all()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sender.close()

    def _lease(self, limit: int) -> list[Leased]:
        now = self.clock.now()
        until = now + self.lease
        due = self.queue.lease(owner=self.owner, now=now, until=until, limit=limit)
        secrets: dict[UUID, list[str]] = {}
        for delivery in due:
            if delivery.subscription_id not in secrets:
                secrets[delivery.subscription_id] = self.secrets.valid(
                    delivery.subscription_id, now=now
                )
        return [Leased(d, secrets[d.subscription_id], until) for d in due]

    def _submit(
        self, leased: Leased, slots: list[threading.Semaphore], *, wait: bool = False
    ) -> int:
        """Hand it to a thread with its host's and tenant's slots (taken already, or with
        ``wait`` by the thread), if its lease leaves time for a whole attempt (else leave it
        to the lease: whoever leases it next sends it); how many were handed over."""
        if self.clock.now() + self.attempt > leased.until:
            if not wait:
                _give_back(slots)
            return 0
        with self._lock:
            self._in_flight += 1
        self._pool.submit(self._attempt, leased, slots, wait)
        return 1

    def _attempt(self, leased: Leased, slots: list[threading.Semaphore], wait: bool) -> None:
        due = leased.due
        try:
            if wait:
                for slot in slots:
                    slot.acquire()
            try:
                body = body_of(due)
                headers = self.sign(due.message.message_id, int(self.wall()), body, leased.secrets)
                result = self.sender.send(WebhookRequest(url=due.url, body=body, headers=headers))
            finally:
                _give_back(slots)
            at = self.clock.now()
            retry_at = None if result.ok else next_attempt_at(due.attempt + 1, at, self.rand())
            finished = Finished(due.delivery_id, result, at, retry_at, result.ok)
        except Exception:  # not recorded: its lease runs out and it is sent again
            log.exception("webhooks: delivery %s could not be attempted", due.delivery_id)
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()
            return
        with self._changed:
            self._done.append((due, finished))
            self._in_flight -= 1
            self._changed.notify_all()

    def _record(self) -> int:
        """Record the attempts that ended, together; disable a subscription whose delivery
        exhausted its schedule without a success since it began. How many were recorded."""
        with self._lock:
            done, self._done = self._done, []
        if not done:
            return 0
        try:
            recorded = self.queue.finish([finished for _, finished in done], owner=self.owner)
        except Exception:
            with self._lock:  # kept for the next round (or its lease runs out and it is resent)
                self._done[:0] = done
            raise
        for due, finished in done:
            exhausted = not finished.delivered and finished.next_attempt_at is None
            if exhausted and due.delivery_id in recorded:
                self._maybe_disable(due, finished.at)
        return len(done)

    def _maybe_disable(self, due: DueDelivery, now: datetime) -> None:
        first = due.first_attempt_at or now
        if not should_disable(self.queue.last_success(due.subscription_id), first, now):
            return

        def disable(subscription: WebhookSubscription) -> None:
            if subscription.enabled and not subscription.deleted:
                subscription.disable(DISABLED_FAILING, now)

        self.webhooks.apply(due.subscription_id, WebhookSubscription, disable)
        log.warning(
            "webhooks: subscription %s disabled: failing since %s", due.subscription_id, first
        )

    def _slots(self, due: DueDelivery) -> list[threading.Semaphore]:
        """Its target host's slots and its tenant's: one slow receiver, or one tenant's many
        receivers (a wildcard domain is many hosts), hold only their own share of threads."""
        host = (urlsplit(due.url).hostname or "").lower().rstrip(".")
        with self._lock:
            return [
                self._semaphore(("host", host)),
                self._semaphore(("tenant", due.message.tenant)),
            ]

    def _semaphore(self, key: tuple[str, str]) -> threading.Semaphore:
        slot = self._hosts.get(key)
        if slot is None:
            slot = self._hosts[key] = threading.Semaphore(self.per_host)
        return slot


def _take_all(slots: list[threading.Semaphore]) -> bool:
    """Take every slot, or none."""
    taken: list[threading.Semaphore] = []
    for slot in slots:
        if not slot.acquire(blocking=False):
            _give_back(taken)
            return False
        taken.append(slot)
    return True


def _give_back(slots: list[threading.Semaphore]) -> None:
    for slot in slots:
        slot.release()
