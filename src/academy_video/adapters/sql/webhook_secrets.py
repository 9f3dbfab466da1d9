"""``WebhookSecrets`` in SQL (``webhook_secrets``): outside the event log, so a secret is never
replayed, audited or projected. A rotation keeps the old secrets valid for a while (receivers
then accept either signature) and forgets those already expired."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, or_, select

from .webhook_tables import webhook_secrets as ws


class SqlWebhookSecrets:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, subscription_id: UUID, secret: str, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                ws.insert().values(
                    subscription_id=subscription_id, secret=secret, created_at=now, valid_until=None
                )
            )

    def rotate(
        self, subscription_id: UUID, secret: str, *, now: datetime, old_valid_until: datetime
    ) -> None:
        mine = ws.c.subscription_id == subscription_id
        with self.engine.begin() as conn:
            conn.execute(ws.delete().where(mine, ws.c.valid_until <= now))
            # Only the current one stays valid beside the new: rotating again within the grace
            # ends the older ones now (a delivery never carries more than two signatures).
            conn.execute(ws.delete().where(mine, ws.c.valid_until.is_not(None)))
            # The current one ends at ``old_valid_until`` at the latest (none is extended).
            conn.execute(
                ws.update()
                .where(mine, or_(ws.c.valid_until.is_(None), ws.c.valid_until > old_valid_until))
                .values(valid_until=old_valid_until)
            )
            conn.execute(
                ws.insert().values(
                    subscription_id=subscription_id, secret=secret, created_at=now, valid_until=None
                )
            )

    def valid(self, subscription_id: UUID, *, now: datetime) -> list[str]:
        query = (
            select(ws.c.secret)
            .where(
                ws.c.subscription_id == subscription_id,
                or_(ws.c.valid_until.is_(None), ws.c.valid_until > now),
            )
            .order_by(ws.c.secret_id.desc())  # the order they were added: current first
        )
        with self.engine.connect() as conn:
            return [str(secret) for secret in conn.execute(query).scalars()]

    def drop(self, subscription_id: UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(ws.delete().where(ws.c.subscription_id == subscription_id))
