"""WebhookSubscription: one tenant's target for some public event types (``webhook_catalogue``).

The id is a random uuid4 the caller gives (a tenant may subscribe the same URL twice). The
signing secret is not here: events are replayed and audited, so secrets live behind the
``WebhookSecrets`` port; ``SecretRotated`` only records when. Whether the URL may be called
(https, no private address) is ``webhook_targets``' rule; this module only bounds its length.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import DomainError, InvalidValue
from .webhook_catalogue import EVENT_TYPES

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
MAX_SUBSCRIPTIONS_PER_TENANT = 20  # the app counts; ``check_room_for_another`` refuses

DISABLED_BY_ADMIN = "admin"
DISABLED_FAILING = "failing"  # the delivery process: a delivery exhausted its retries
DISABLE_REASONS = (DISABLED_BY_ADMIN, DISABLED_FAILING)

_SHOWN_CHARS = 64  # of an unknown type, in the refusal (the caller's own text, bounded)


class WebhookSubscription(Aggregate):
    @classmethod
    def create(
        cls,
        *,
        id: UUID,  # eventsourcing's name for the originator id
        tenant: str,
        url: str,
        event_types: Iterable[str],
        description: str = "",
        now: datetime,
    ) -> WebhookSubscription:
        check_url(url)
        check_description(description)
        return cls(
            id=id,
            tenant=tenant,
            url=url,
            event_types=list(subscribed_types(event_types)),
            description=description,
            created_at=now,
        )

    @event("Created")
    def __init__(
        self,
        id: UUID,  # the caller's uuid4; eventsourcing sets ``self.id`` from it
        tenant: str,
        url: str,
        event_types: list[str],
        description: str,
        created_at: datetime,
    ) -> None:
        self.tenant = tenant
        self.url = url
        self.event_types = tuple(event_types)
        self.description = description
        self.enabled = True
        self.disabled_reason = ""
        self.disabled_at: datetime | None = None
        self.created_at = created_at
        self.secret_rotated_at: datetime | None = None
        self.deleted = False

    def change(
        self,
        *,
        url: str | None = None,
        event_types: Iterable[str] | None = None,
        description: str | None = None,
    ) -> bool:
        """Change the fields given (None: as it is); False, and nothing recorded, when nothing
        differs."""
        self.check_not_deleted()
        url = self.url if url is None else url
        types = self.event_types if event_types is None else subscribed_types(event_types)
        description = self.description if description is None else description
        check_url(url)
        check_description(description)
        if (url, types, description) == (self.url, self.event_types, self.description):
            return False
        self._changed(url=url, event_types=list(types), description=description)
        return True

    @event("Changed")
    def _changed(self, url: str, event_types: list[str], description: str) -> None:
        self.url = url
        self.event_types = tuple(event_types)
        self.description = description

    def rotate_secret(self, now: datetime) -> None:
        """Record that a new secret was issued (the secret itself is the port's)."""
        self.check_not_deleted()
        self._secret_rotated(at=now)

    @event("SecretRotated")
    def _secret_rotated(self, at: datetime) -> None:
        self.secret_rotated_at = at

    def disable(self, reason: str, now: datetime) -> bool:
        """Stop deliveries (``admin``: by staff; ``failing``: by the delivery process). False,
        and nothing recorded, when already disabled: the first reason stands."""
        self.check_not_deleted()
        if reason not in DISABLE_REASONS:
            raise InvalidValue("reason", f"reason must be one of {', '.join(DISABLE_REASONS)}")
        if not self.enabled:
            return False
        self._disabled(reason=reason, at=now)
        return True

    @event("Disabled")
    def _disabled(self, reason: str, at: datetime) -> None:
        self.enabled = False
        self.disabled_reason = reason
        self.disabled_at = at

    def enable(self, now: datetime) -> bool:
        """Deliver again (clears why it was disabled). False when already enabled."""
        self.check_not_deleted()
        if self.enabled:
            return False
        self._enabled(at=now)
        return True

    @event("Enabled")
    def _enabled(self, at: datetime) -> None:
        self.enabled = True
        self.disabled_reason = ""
        self.disabled_at = None

    def delete(self, now: datetime) -> None:
        self.check_not_deleted()
        self._deleted(at=now)

    @event("Deleted")
    def _deleted(self, at: datetime) -> None:
        self.deleted = True
        self.enabled = False

    def check_not_deleted(self) -> None:
        if self.deleted:
            raise SubscriptionDeleted("not_found")

    def wants(self, event_type: str) -> bool:
        """Whether an event of this type is delivered to it now."""
        return self.enabled and not self.deleted and event_type in self.event_types


def check_url(url: str) -> None:
    if len(url) > MAX_URL_LENGTH:
        raise InvalidSubscription("url", f"url must be at most {MAX_URL_LENGTH} characters")


def check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidSubscription(
            "description", f"description must be at most {MAX_DESCRIPTION_LENGTH} characters"
        )


def subscribed_types(event_types: Iterable[str]) -> tuple[str, ...]:
    """The types asked for, sorted and unique; refuses none, too many, or one not in the
    catalogue (``webhook.ping`` included: it is only sent by the test endpoint)."""
    given: list[str] = []
    for event_type in event_types:
        if len(given) == len(EVENT_TYPES):  # stop reading a hostile iterable early
            raise InvalidSubscription(
                "event_types", f"event_types must name at most {len(EVENT_TYPES)} types"
            )
        if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
            shown = repr(event_type)[:_SHOWN_CHARS]
            raise InvalidSubscription("event_types", f"event_types: unknown type {shown}")
        given.append(event_type)
    if not given:
        raise InvalidSubscription("event_types", "event_types must name at least one type")
    return tuple(sorted(set(given)))


def check_room_for_another(subscriptions_of_tenant: int) -> None:
    """A tenant has at most MAX_SUBSCRIPTIONS_PER_TENANT (deleted ones do not count)."""
    if subscriptions_of_tenant >= MAX_SUBSCRIPTIONS_PER_TENANT:
        raise TooManySubscriptions(
            "too_many_subscriptions",
            f"at most {MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions per tenant",
        )


class InvalidSubscription(InvalidValue):
    """A field outside its bound; ``code`` names the field, the message says the bound."""


class TooManySubscriptions(DomainError):
    code = "too_many_subscriptions"


class SubscriptionDeleted(DomainError):
    """Every command on a deleted subscription (the app answers it as not found)."""

    code = "not_found"
