"""The per-tenant cap on webhook subscriptions under real concurrency, on SQLite and PostgreSQL:
several containers on one deployment (as several API processes: each its own Applications and
locks) create at once, and the event store's optimistic concurrency on the tenant's roster lets
exactly as many through as there are places."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

import pytest

from academy_video.adapters.sql.verify import verify
from academy_video.adapters.sql.webhook_tables import webhook_subscriptions
from academy_video.app.errors import ConcurrencyConflict
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_subscription import (
    MAX_SUBSCRIPTIONS_PER_TENANT,
    TooManySubscriptions,
)
from tests.unit.app.test_webhook_cap import create, in_step, race

from .conftest import Deployment
from .test_read_models import engine_of, rows

CAP = MAX_SUBSCRIPTIONS_PER_TENANT
PROCESSES = 4


def services(deployment: Deployment) -> list[WebhookService]:
    started = [deployment.start() for _ in range(PROCESSES)]
    made = [container.webhook_service for container in started]
    assert all(service is not None for service in made)
    return [service for service in made if service is not None]


def test_creates_in_several_processes_at_once_never_pass_the_cap(deployment: Deployment) -> None:
    processes = services(deployment)
    first = processes[0]
    for _ in range(CAP - 2):
        create(first)
    # Two creates in each process, all under way before any saves: two places left.
    step = in_step(2 * PROCESSES)
    for service in processes:
        service.new_secret = step
    attempts: list[Callable[[], Any]] = [
        partial(create, service) for service in processes for _ in range(2)
    ]
    outcomes = race(attempts)

    made = [o for o in outcomes if isinstance(o, UUID)]
    assert len(made) == 2, outcomes
    # The others found the roster full, or (retried out) were told to try again.
    assert all(
        isinstance(o, TooManySubscriptions | ConcurrencyConflict) for o in outcomes if o not in made
    )
    container = deployment.containers[0]
    assert container.projector is not None
    container.projector.catch_up_all()
    assert len(first.of_tenant("daechi")) == CAP
    roster = container.webhooks.load(WebhookRoster.create_id("daechi"), WebhookRoster)
    assert sorted(roster.members) == sorted(str(s.id) for s in first.of_tenant("daechi"))
    # The roster has no rows of its own: a rebuild of the projections gives the same.
    engine = engine_of(container)
    assert len(rows(engine, webhook_subscriptions)) == CAP
    assert verify(engine, container.applications) == []


def test_deletes_in_other_processes_free_places_for_creates(deployment: Deployment) -> None:
    here, there = services(deployment)[:2]
    made = [create(here) for _ in range(CAP)]
    with pytest.raises(TooManySubscriptions):
        create(there)
    there.delete("daechi", made[0])
    create(here)
    with pytest.raises(TooManySubscriptions):
        create(there)
