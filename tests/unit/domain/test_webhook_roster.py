"""WebhookRoster: the per-tenant cap on subscriptions, counted in one aggregate per tenant."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application

from academy_video.app.persistence import COMMON
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_subscription import (
    MAX_SUBSCRIPTIONS_PER_TENANT,
    TooManySubscriptions,
)


def test_a_roster_takes_subscriptions_up_to_the_cap_and_a_removal_makes_room() -> None:
    roster = WebhookRoster.start("daechi")
    members = [uuid4() for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT)]
    for member in members:
        roster.add(member)
    with pytest.raises(TooManySubscriptions):
        roster.add(uuid4())
    assert roster.remove(members[3]) is True
    roster.add(uuid4())
    assert len(roster.members) == MAX_SUBSCRIPTIONS_PER_TENANT


def test_removing_what_was_never_counted_records_nothing() -> None:
    roster = WebhookRoster.start("daechi")
    before = roster.version
    assert roster.remove(uuid4()) is False
    assert roster.version == before


def test_subscriptions_stored_before_the_roster_count_even_past_the_cap() -> None:
    # A tenant that (before rosters) got past the cap keeps them, and creates none until it
    # deleted enough.
    existing = [uuid4() for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT + 2)]
    roster = WebhookRoster.start("daechi", existing + existing[:1])  # each once
    assert len(roster.members) == MAX_SUBSCRIPTIONS_PER_TENANT + 2
    with pytest.raises(TooManySubscriptions):
        roster.add(uuid4())
    roster.remove(existing[0])
    roster.remove(existing[1])
    with pytest.raises(TooManySubscriptions):
        roster.add(uuid4())
    roster.remove(existing[2])
    roster.add(uuid4())


def test_one_roster_per_tenant_and_its_events_are_stored_and_loaded() -> None:
    assert WebhookRoster.create_id("a") == WebhookRoster.create_id("a")
    assert WebhookRoster.create_id("a") != WebhookRoster.create_id("b")
    app = Application[UUID](env={"PERSISTENCE_MODULE": "eventsourcing.popo", **COMMON})
    first, second = uuid4(), uuid4()
    roster = WebhookRoster.start("daechi", [first])
    roster.add(second)
    roster.remove(first)
    app.save(roster)
    loaded: object = app.repository.get(WebhookRoster.create_id("daechi"))
    assert isinstance(loaded, WebhookRoster)
    assert loaded.tenant == "daechi"
    assert loaded.members == (str(second),)
    assert [type(e).__qualname__ for e in app.events.get(loaded.id)] == [
        "WebhookRoster.Started",
        "WebhookRoster.Added",
        "WebhookRoster.Removed",
    ]
