"""WebhookRoster: a tenant's live webhook subscriptions, where the per-tenant cap is judged.

One per tenant (its id made from the tenant code). Every create and delete of a subscription is
saved together with the roster's event, in one save: two creates racing for the last place both
write the roster's next version, and the event store takes only one of them (optimistic
concurrency); the other starts again and finds the roster full. A count read from the read models
and then a save could not promise that (both read 19).

A tenant whose subscriptions were stored before rosters existed gets a roster started with them
(``start(existing=…)``): they count from the first create or delete after the upgrade.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from .webhook_subscription import check_room_for_another


class WebhookRoster(Aggregate):
    @staticmethod
    def create_id(tenant: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/webhook-rosters/{tenant}")

    @classmethod
    def start(cls, tenant: str, existing: Iterable[UUID] = ()) -> WebhookRoster:
        """The tenant's roster, with the subscriptions it already had (stored before rosters);
        kept even past the cap: a tenant over it creates none until deletes make room."""
        members = sorted({str(subscription) for subscription in existing})
        return cls(id=cls.create_id(tenant), tenant=tenant, members=members)

    @event("Started")
    def __init__(self, id: UUID, tenant: str, members: list[str]) -> None:
        self.tenant = tenant
        self.members = tuple(members)  # subscription ids, as text (events hold plain data)

    def add(self, subscription_id: UUID) -> None:
        """Count a new subscription in, if there is room (``too_many_subscriptions``)."""
        check_room_for_another(len(self.members))
        self._added(subscription_id=str(subscription_id))

    @event("Added")
    def _added(self, subscription_id: str) -> None:
        self.members = (*self.members, subscription_id)

    def remove(self, subscription_id: UUID) -> bool:
        """Free the place of a deleted subscription; False, and nothing recorded, when it was
        not counted (made by a process older than rosters after this roster started)."""
        if str(subscription_id) not in self.members:
            return False
        self._removed(subscription_id=str(subscription_id))
        return True

    @event("Removed")
    def _removed(self, subscription_id: str) -> None:
        self.members = tuple(m for m in self.members if m != subscription_id)
