"""WebhookSubscription: its commands, what each records, and the bounds on what a caller gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from hypothesis import given
from hypothesis import strategies as st

from academy_video.app.persistence import COMMON
from academy_video.domain.errors import DomainError, InvalidValue
from academy_video.domain.webhook_catalogue import EVENT_TYPES, PING
from academy_video.domain.webhook_subscription import (
    MAX_DESCRIPTION_LENGTH,
    MAX_SUBSCRIPTIONS_PER_TENANT,
    MAX_URL_LENGTH,
    InvalidSubscription,
    SubscriptionDeleted,
    TooManySubscriptions,
    WebhookSubscription,
    check_room_for_another,
    subscribed_types,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
URL = "https://hooks.example.com/academy"


def new_subscription(
    event_types: list[str] | None = None, *, id: UUID | None = None
) -> WebhookSubscription:
    return WebhookSubscription.create(
        id=id or uuid4(),
        tenant="daechi",
        url=URL,
        event_types=event_types or ["video.ready", "video.failed"],
        description="LMS",
        now=T0,
    )


def event_names(subscription: WebhookSubscription) -> list[str]:
    return [type(e).__qualname__ for e in subscription.collect_events()]


def test_a_new_subscription_is_enabled_with_its_types_sorted_and_the_callers_id() -> None:
    given_id = uuid4()
    sub = new_subscription(["video.ready", "video.failed", "video.ready"], id=given_id)
    assert sub.id == given_id
    assert (sub.tenant, sub.url, sub.description) == ("daechi", URL, "LMS")
    assert sub.event_types == ("video.failed", "video.ready")
    assert (sub.enabled, sub.disabled_reason, sub.disabled_at) == (True, "", None)
    assert (sub.created_at, sub.secret_rotated_at, sub.deleted) == (T0, None, False)
    assert event_names(sub) == ["WebhookSubscription.Created"]


def test_a_change_records_the_new_values_and_a_no_op_change_records_nothing() -> None:
    sub = new_subscription()
    sub.collect_events()
    # The tenant moves its receiver and subscribes to deletions too.
    assert sub.change(url="https://new.example.com/h", event_types=["video.deleted"])
    assert (sub.url, sub.event_types, sub.description) == (
        "https://new.example.com/h",
        ("video.deleted",),
        "LMS",
    )
    assert event_names(sub) == ["WebhookSubscription.Changed"]
    # The same values again, in another order or with duplicates: nothing to record.
    assert not sub.change(url="https://new.example.com/h", event_types=["video.deleted"] * 2)
    assert not sub.change()
    assert sub.collect_events() == []


def test_disable_enable_and_the_reason_they_keep() -> None:
    sub = new_subscription()
    later = T0 + timedelta(hours=1)
    assert sub.disable("failing", later)
    assert (sub.enabled, sub.disabled_reason, sub.disabled_at) == (False, "failing", later)
    # Already disabled: the first reason stands and nothing is recorded.
    assert not sub.disable("admin", later)
    assert sub.disabled_reason == "failing"
    assert sub.enable(later)
    assert (sub.enabled, sub.disabled_reason, sub.disabled_at) == (True, "", None)
    assert not sub.enable(later)
    assert event_names(sub)[1:] == ["WebhookSubscription.Disabled", "WebhookSubscription.Enabled"]


def test_an_unknown_disable_reason_is_refused() -> None:
    with pytest.raises(InvalidValue, match="reason"):
        new_subscription().disable("bored", T0)


def test_rotating_the_secret_records_when_and_no_secret() -> None:
    sub = new_subscription()
    sub.collect_events()
    sub.rotate_secret(T0 + timedelta(days=1))
    assert sub.secret_rotated_at == T0 + timedelta(days=1)
    (rotated,) = sub.collect_events()
    fields = set(vars(rotated)) - {"originator_id", "originator_version", "timestamp"}
    assert fields == {"at"}


@pytest.mark.parametrize(
    "command",
    [
        lambda s: s.change(description="x"),
        lambda s: s.rotate_secret(T0),
        lambda s: s.disable("admin", T0),
        lambda s: s.enable(T0),
        lambda s: s.delete(T0),
    ],
)
def test_a_deleted_subscription_refuses_every_command(command: object) -> None:
    sub = new_subscription()
    sub.delete(T0)
    assert sub.deleted and not sub.enabled
    with pytest.raises(SubscriptionDeleted):
        command(sub)  # type: ignore[operator]


def test_wants_only_its_types_while_enabled() -> None:
    sub = new_subscription(["video.ready"])
    assert sub.wants("video.ready") and not sub.wants("video.failed")
    sub.disable("admin", T0)
    assert not sub.wants("video.ready")


# Bounds ------------------------------------------------------------------------------------


def test_the_longest_url_and_description_are_accepted_and_one_more_is_refused() -> None:
    longest = "https://h.example.com/" + "a" * (MAX_URL_LENGTH - 22)
    sub = new_subscription()
    assert sub.change(url=longest, description="d" * MAX_DESCRIPTION_LENGTH)
    with pytest.raises(InvalidSubscription, match=r"^url must be at most 2048") as url_error:
        sub.change(url=longest + "a")
    with pytest.raises(InvalidSubscription, match=r"^description must be at most 500"):
        sub.change(description="d" * (MAX_DESCRIPTION_LENGTH + 1))
    with pytest.raises(InvalidSubscription, match=r"^url"):
        WebhookSubscription.create(
            id=uuid4(), tenant="t", url=longest + "a", event_types=["video.ready"], now=T0
        )
    assert url_error.value.code == "url"
    assert sub.url == longest  # a refused change records nothing


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ([], "event_types must name at least one type"),
        (["video.exploded"], "event_types: unknown type 'video.exploded'"),
        ([PING], "event_types: unknown type 'webhook.ping'"),
        (["VIDEO.READY"], "event_types: unknown type"),
        ([7], "event_types: unknown type 7"),
        (["x" * 10_000], "event_types: unknown type 'xxx"),
        ([*EVENT_TYPES, "video.ready"], "event_types must name at most 8 types"),
    ],
)
def test_event_types_out_of_bounds_are_refused_naming_the_field(
    types: list[object], message: str
) -> None:
    with pytest.raises(InvalidSubscription) as refused:
        subscribed_types(types)  # type: ignore[arg-type]
    assert str(refused.value).startswith(message)
    assert refused.value.code == "event_types"
    assert len(str(refused.value)) < 120  # the caller's text comes back bounded


def test_a_hostile_endless_iterable_of_types_is_refused_without_reading_it_all() -> None:
    def endless() -> Iterator[str]:
        while True:
            yield "video.ready"

    with pytest.raises(InvalidSubscription, match="at most"):
        subscribed_types(endless())


@given(st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=len(EVENT_TYPES)))
def test_any_catalogue_types_become_sorted_unique(types: list[str]) -> None:
    result = subscribed_types(types)
    assert result == tuple(sorted(set(types)))
    assert 1 <= len(result) <= len(EVENT_TYPES)


@given(st.lists(st.text(max_size=20), min_size=1, max_size=12))
def test_any_list_of_strings_is_accepted_only_if_all_are_in_the_catalogue(types: list[str]) -> None:
    if set(types) <= set(EVENT_TYPES) and len(types) <= len(EVENT_TYPES):
        assert subscribed_types(types) == tuple(sorted(set(types)))
    else:
        with pytest.raises(InvalidSubscription) as refused:
            subscribed_types(types)
        assert refused.value.code == "event_types"


def test_a_tenant_may_have_twenty_subscriptions() -> None:
    check_room_for_another(MAX_SUBSCRIPTIONS_PER_TENANT - 1)
    with pytest.raises(TooManySubscriptions) as refused:
        check_room_for_another(MAX_SUBSCRIPTIONS_PER_TENANT)
    assert isinstance(refused.value, DomainError)
    assert str(refused.value) == "at most 20 webhook subscriptions per tenant"


# Stored events ---------------------------------------------------------------------------


def test_a_subscriptions_history_is_stored_and_loads_back() -> None:
    app = Application[UUID](env={**COMMON, "PERSISTENCE_MODULE": "eventsourcing.popo"})
    sub = new_subscription()
    sub.change(event_types=["session.revoked"], description="")
    sub.rotate_secret(T0 + timedelta(minutes=1))
    sub.disable("failing", T0 + timedelta(minutes=2))
    app.save(sub)
    loaded: object = app.repository.get(sub.id)
    assert isinstance(loaded, WebhookSubscription)
    assert (loaded.event_types, loaded.description, loaded.enabled) == (
        ("session.revoked",),
        "",
        False,
    )
    assert (loaded.disabled_reason, loaded.disabled_at) == ("failing", T0 + timedelta(minutes=2))
    assert loaded.secret_rotated_at == T0 + timedelta(minutes=1)
    assert loaded.created_at == T0
