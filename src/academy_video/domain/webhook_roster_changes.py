"""How often a tenant's admins may create and delete webhook subscriptions. Each create or
delete is an event of the tenant's ``WebhookRoster`` (and of the subscription): unbounded, an
admin token in a loop of create and delete grows the roster's log, and whatever reads it, for
ever. Counted by the ``RateLimiter`` port in sliding windows, creates and deletes together, per
tenant (every admin of it); a change refused for another reason (the cap, a lost race) is given
back."""

from __future__ import annotations

from typing import Final

from .event_budget import Window

ROSTER_CHANGES_PER_TENANT_PER_HOUR: Final = 30
ROSTER_CHANGES_PER_TENANT_PER_DAY: Final = 100


def roster_change_windows(tenant: str) -> list[Window]:
    """The windows one create or delete counts in: the tenant's hour and day. Their keys share
    one ``{tag}`` (one Redis Cluster slot: the limiter counts them in one step)."""
    changes = f"webhook-changes:{{t:{tenant}}}"
    return [
        Window(f"{changes}:hour", ROSTER_CHANGES_PER_TENANT_PER_HOUR, 3_600),
        Window(f"{changes}:day", ROSTER_CHANGES_PER_TENANT_PER_DAY, 86_400),
    ]
