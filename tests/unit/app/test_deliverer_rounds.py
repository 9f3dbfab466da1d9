"""The delivery loop against a scripted queue: what it does when the database misbehaves (fails,
or leases a delivery again before its attempt is recorded). Delivery against real stores is
tested in tests/http/test_webhook_delivery.py and tests/integration/test_webhook_queue.py."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from uuid import uuid4

from academy_video.app.ports.webhooks import (
    DeliveryResult,
    DueDelivery,
    Finished,
    Message,
    WebhookRequest,
)
from academy_video.app.webhooks.delivery import Deliverer
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.webhooks import InMemoryWebhookSecrets, PingCountingQueue

from .conftest import make_world

SUBSCRIPTION = uuid4()


def due(delivery_id: int = 1) -> DueDelivery:
    message = Message(
        delivery_id, f"msg_{delivery_id}", "demo", "video.ready", "video:1",
        datetime(2026, 1, 1, tzinfo=UTC), {"video_id": 1},
    )  # fmt: skip
    return DueDelivery(delivery_id, SUBSCRIPTION, "https://hooks.example/", message, 0, None)


class ScriptedQueue(PingCountingQueue):
    def __init__(self) -> None:
        super().__init__()
        self.leases: list[list[DueDelivery]] = []  # what each lease answers, in turn
        self.finishes = 0
        self.failing = False
        self.leased = threading.Event()
        self.finished = threading.Event()

    def lease(self, **_: object) -> list[DueDelivery]:
        answer = self.leases.pop(0) if self.leases else []
        if answer:
            self.leased.set()
        return answer

    def finish(self, finished: list[Finished], *, owner: str) -> set[int]:
        self.finishes += 1
        self.finished.set()
        if self.failing:
            raise ConnectionError("the database is away")
        return {one.delivery_id for one in finished}


class CountingSender:
    def __init__(self, hold: threading.Event | None = None) -> None:
        self.sent: list[str] = []
        self.hold = hold

    def send(self, request: WebhookRequest) -> DeliveryResult:
        self.sent.append(request.headers["webhook-id"])
        if self.hold is not None:
            self.hold.wait(5)
        return DeliveryResult(204, 1)

    def close(self) -> None:
        pass


def deliverer(queue: ScriptedQueue, sender: CountingSender) -> Deliverer:
    secrets = InMemoryWebhookSecrets()
    secrets.add(SUBSCRIPTION, "whsec_c2VjcmV0", now=datetime(2026, 1, 1, tzinfo=UTC))
    return Deliverer(
        queue=queue,
        secrets=secrets,
        sender=sender,
        sign=lambda message_id, at, body, keys: {"webhook-id": message_id},
        webhooks=make_world().app.webhooks,
        clock=FakeClock(),
        owner="test",
    )


def running(deliverer: Deliverer, until: threading.Event) -> None:
    stop = threading.Event()
    runner = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"idle_seconds": 0.01})
    runner.start()
    until.wait(5)
    stop.set()
    runner.join(10)
    assert not runner.is_alive()


def test_a_delivery_leased_again_before_its_attempt_is_recorded_is_not_sent_twice() -> None:
    queue, leased_again = ScriptedQueue(), threading.Event()
    queue.leases = [[due()], [due()]]  # the second as if its lease had run out meanwhile
    sender = CountingSender(hold=leased_again)
    original = queue.lease

    def lease(**kwargs: object) -> list[DueDelivery]:
        answer = original(**kwargs)
        if not queue.leases:
            leased_again.set()  # only now does the first attempt end
        return answer

    queue.lease = lease  # type: ignore[method-assign]
    running(deliverer(queue, sender), queue.finished)  # the first attempt recorded
    assert sender.sent == ["msg_1"]


def test_recording_while_the_database_is_away_backs_off_and_stopping_does_not_raise() -> None:
    queue = ScriptedQueue()
    queue.leases, queue.failing = [[due(1), due(2)]], True
    subject = deliverer(queue, CountingSender())
    stop = threading.Event()
    runner = threading.Thread(target=subject.run, args=(stop,))
    runner.start()
    time.sleep(1.0)  # the loop's own pace is what is measured: a second of an outage
    stop.set()
    runner.join(10)
    assert not runner.is_alive()  # the last record failed too: logged, not raised
    assert 2 <= queue.finishes <= 12  # not thousands of tries a second
