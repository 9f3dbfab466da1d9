"""Delivery: lease the deliveries that are due, sign and send each, record every attempt, and
schedule the next (``domain/webhook_retry.py``); a subscription whose deliveries failed without
a single success until one exhausted its schedule is disabled (its admins see it in the console).

Several delivery processes may run at once: a lease keeps a delivery to one of them, and one that
dies mid-batch leaves leases that run out, so its deliveries are sent again (at least once; the
``webhook-id`` is the same, so receivers drop the duplicate). Concurrency is bounded per target
host, so one slow receiver cannot take every sender thread.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import msgspec

from academy_video.domain.webhook_catalogue import iso_utc
from academy_video.domain.webhook_retry import next_attempt_at, should_disable
from academy_video.domain.webhook_subscription import DISABLED_FAILING, WebhookSubscription

from ..ports import Clock, DueDelivery, WebhookQueue, WebhookRequest, WebhookSecrets, WebhookSender
from .application import Webhooks

log = logging.getLogger(__name__)

# (message id, unix timestamp, body, secrets) → the signed headers (Standard Webhooks).
Signer = Callable[[str, int, bytes, list[str]], dict[str, str]]


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
        threads: int = 8,
        per_host: int = 4,
        rand: Callable[[], float] = random.random,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.queue, self.secrets, self.sender, self.sign = queue, secrets, sender, sign
        self.webhooks, self.clock, self.owner = webhooks, clock, owner
        self.lease = timedelta(seconds=lease_seconds)
        self.threads, self.per_host, self.rand = threads, per_host, rand
        # The signature's timestamp is the wall clock's: receivers refuse one minutes off theirs.
        self.wall = wall
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook")
        self._hosts: dict[str, threading.Semaphore] = {}
        self._hosts_lock = threading.Lock()
        self._in_flight = 0
        self._freed = threading.Condition()

    def run_once(self) -> int:
        """Send what is due now (as many as there are threads) and wait for it; how many
        attempts were made."""
        now = self.clock.now()
        due = self.queue.lease(
            owner=self.owner, now=now, until=now + self.lease, limit=self.threads
        )
        return sum(self._pool.map(self._attempt, due))

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.5) -> None:
        """Deliver until ``stop`` is set: lease as many as there are free threads whenever one
        frees up (a slow receiver holds only its own threads); when nothing is due, wait
        ``idle_seconds``. What is in flight when ``stop`` is set is finished first."""
        while not stop.is_set():
            with self._freed:
                while self._in_flight >= self.threads and not stop.is_set():
                    self._freed.wait(idle_seconds)
                free = self.threads - self._in_flight
            if stop.is_set():
                break
            try:
                now = self.clock.now()
                due = self.queue.lease(
                    owner=self.owner, now=now, until=now + self.lease, limit=free
                )
            except Exception:  # the queue's database may be away for a moment: try again
                log.exception("webhooks: leasing failed; retrying")
                due = []
            for delivery in due:
                with self._freed:
                    self._in_flight += 1
                self._pool.submit(self._attempt_and_free, delivery)
            if not due:
                stop.wait(idle_seconds)
        with self._freed:
            while self._in_flight:
                self._freed.wait()

    def _attempt_and_free(self, due: DueDelivery) -> None:
        try:
            self._attempt(due)
        except Exception:  # recorded nowhere: its lease runs out and it is sent again
            log.exception("webhooks: delivery %s failed to be recorded", due.delivery_id)
        finally:
            with self._freed:
                self._in_flight -= 1
                self._freed.notify_all()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sender.close()

    def _attempt(self, due: DueDelivery) -> int:
        with self._slot(due.url):
            now = self.clock.now()
            body = body_of(due)
            secrets = self.secrets.valid(due.subscription_id, now=now)
            headers = self.sign(due.message.message_id, int(self.wall()), body, secrets)
            result = self.sender.send(WebhookRequest(url=due.url, body=body, headers=headers))
        finished = self.clock.now()
        retry_at = None if result.ok else next_attempt_at(due.attempt + 1, finished, self.rand())
        if not self.queue.finish(
            due.delivery_id,
            owner=self.owner,
            result=result,
            at=finished,
            next_attempt_at=retry_at,
            delivered=result.ok,
        ):
            return 1  # the lease ran out meanwhile: another process owns the delivery now
        if not result.ok and retry_at is None:
            self._maybe_disable(due, finished)
        return 1

    def _maybe_disable(self, due: DueDelivery, now: datetime) -> None:
        first = due.first_attempt_at or now
        if not should_disable(self.queue.last_success(due.subscription_id), first, now):
            return

        def disable(subscription: WebhookSubscription) -> None:
            if subscription.enabled and not subscription.deleted:
                subscription.disable(DISABLED_FAILING, now)

        self.webhooks.apply(due.subscription_id, WebhookSubscription, disable)
        log.warning(
            "webhooks: subscription %s disabled after failing since %s", due.subscription_id, first
        )

    def _slot(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.Semaphore(self.per_host)
        return slot
