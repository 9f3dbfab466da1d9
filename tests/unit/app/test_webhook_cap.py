"""A tenant has at most MAX_SUBSCRIPTIONS_PER_TENANT webhook subscriptions, whatever races: the
tenant's roster is saved with each create and delete, so concurrent creates cannot both take
the last place (the SQL stores race the same way in tests/integration/test_webhook_roster.py)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from academy_video.app.errors import ConcurrencyConflict
from academy_video.app.webhooks.application import Webhooks
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.bootstrap import Adapters
from academy_video.domain.errors import DomainError
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_subscription import (
    MAX_SUBSCRIPTIONS_PER_TENANT,
    TooManySubscriptions,
    WebhookSubscription,
)
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.container import build_in_memory
from tests.fakes.webhooks import InMemoryWebhookSecrets, in_memory_webhooks

CAP = MAX_SUBSCRIPTIONS_PER_TENANT
URL = "https://hooks.example.org/academy"


def setup() -> tuple[WebhookService, Webhooks, InMemoryWebhookSecrets]:
    clock = FakeClock()
    app = build_in_memory(adapters=Adapters(clock=clock))
    service, secrets, _ = in_memory_webhooks(app.webhooks, clock)
    return service, app.webhooks, secrets


def create(service: WebhookService, tenant: str = "daechi") -> UUID:
    made = service.create(
        tenant=tenant, url=URL, event_types=["video.ready"], description="", enabled=True
    )
    return UUID(str(made.subscription.id))


def live(service: WebhookService, tenant: str = "daechi") -> int:
    return len(service.of_tenant(tenant))


def race(attempts: list[Callable[[], Any]]) -> list[object]:
    """Run each at once (a barrier), in threads; what each returned or raised."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = attempts[i]()
        except DomainError as refused:
            outcomes[i] = refused

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def in_step(parties: int) -> Callable[[], str]:
    """A secret maker that lets no create go on until ``parties`` of them are under way."""
    barrier = threading.Barrier(parties)

    def new_secret() -> str:
        # (the timeout: a create refused before its secret, as before rosters, never comes)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return "whsec_" + uuid4().hex

    return new_secret


def test_concurrent_creates_never_pass_the_cap() -> None:
    service, _, secrets = setup()
    for _ in range(CAP - 2):
        create(service)
    # Eight admins' scripts create at once, for two places: all eight are past their checks
    # of the request (the secret made) before any saves.
    service.new_secret, made_secret = in_step(8), service.new_secret
    outcomes = race([lambda: create(service) for _ in range(8)])
    service.new_secret = made_secret
    made = [o for o in outcomes if isinstance(o, UUID)]
    assert len(made) == 2
    assert all(isinstance(o, TooManySubscriptions) for o in outcomes if o not in made)
    assert live(service) == CAP
    assert len(secrets.by_subscription) == CAP  # the refused ones left no secret behind
    create(service, "other")  # another tenant's roster is another


def test_a_create_that_lost_the_race_for_the_last_place_is_refused() -> None:
    """As another process would: the rival saves the roster between our load and our save."""
    service, app, secrets = setup()
    for _ in range(CAP - 1):
        create(service)
    original, raced = app.save, list[bool]()

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(True)
            rival = app.load(WebhookRoster.create_id("daechi"), WebhookRoster)
            rival.add(uuid4())  # another process took the last place
            original(rival)
        return original(*aggregates, **kwargs)

    app.save = save_after_a_rival  # type: ignore[method-assign]
    with pytest.raises(TooManySubscriptions):
        create(service)
    assert live(service) == CAP - 1  # ours was not saved: the roster's conflict failed it all
    assert len(secrets.by_subscription) == CAP - 1


def test_a_roster_that_keeps_conflicting_is_a_concurrent_update() -> None:
    service, app, secrets = setup()
    create(service)
    original = app.save

    def always_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        rival = app.load(WebhookRoster.create_id("daechi"), WebhookRoster)
        rival.add(uuid4())
        original(rival)
        return original(*aggregates, **kwargs)

    app.save = always_a_rival  # type: ignore[method-assign]
    with pytest.raises(ConcurrencyConflict):
        create(service)
    app.save = original  # type: ignore[method-assign]
    assert live(service) == 1
    assert len(secrets.by_subscription) == 1


def test_a_delete_makes_room_and_concurrent_deletes_and_creates_keep_the_count() -> None:
    service, _, _ = setup()
    made = [create(service) for _ in range(CAP)]
    with pytest.raises(TooManySubscriptions):
        create(service)
    service.delete("daechi", made[0])
    create(service)
    assert live(service) == CAP
    # Three deletes and five creates at once: the three places freed are taken, no more.
    attempts: list[Callable[[], Any]] = [
        *(lambda m=m: service.delete("daechi", m) for m in made[1:4]),
        *(lambda: create(service) for _ in range(5)),
    ]
    service.new_secret = in_step(5)
    outcomes = race(attempts)
    assert outcomes[:3] == [None, None, None]
    assert sum(isinstance(o, UUID) for o in outcomes[3:]) <= 3
    assert live(service) <= CAP
    roster = service.webhooks.load(WebhookRoster.create_id("daechi"), WebhookRoster)
    assert sorted(roster.members) == sorted(str(s.id) for s in service.of_tenant("daechi"))


def test_subscriptions_stored_before_rosters_count_from_the_first_create() -> None:
    service, app, _ = setup()
    # Saved as the service did before rosters existed: no roster event.
    older = []
    for _ in range(CAP):
        subscription = WebhookSubscription.create(
            id=uuid4(), tenant="daechi", url=URL, event_types=["video.ready"], now=FakeClock().now()
        )
        app.save(subscription)
        older.append(subscription.id)
    assert app.find(WebhookRoster.create_id("daechi"), WebhookRoster) is None
    with pytest.raises(TooManySubscriptions):
        create(service)
    # An older one deleted (the roster starts with them all, then frees its place).
    service.delete("daechi", older[0])
    create(service)
    with pytest.raises(TooManySubscriptions):
        create(service)
    assert live(service) == CAP


def test_a_delete_before_any_create_starts_the_roster_without_the_deleted_one() -> None:
    service, app, _ = setup()
    subscription = WebhookSubscription.create(
        id=uuid4(), tenant="daechi", url=URL, event_types=["video.ready"], now=FakeClock().now()
    )
    app.save(subscription)
    service.delete("daechi", subscription.id)
    roster = app.load(WebhookRoster.create_id("daechi"), WebhookRoster)
    assert roster.members == ()
