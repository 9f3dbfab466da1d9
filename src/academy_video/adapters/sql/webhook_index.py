"""The tenant's webhook subscriptions as projected (``webhook_subscriptions``): the ids the
service then loads from their log."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine, select

from .webhook_tables import webhook_subscriptions as s


class SqlWebhookIndex:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of_tenant(self, tenant: str) -> list[UUID]:
        query = select(s.c.aggregate_id).where(s.c.tenant == tenant).order_by(s.c.created_at)
        with self.engine.connect() as conn:
            return [UUID(str(i)) for i in conn.execute(query).scalars()]
