"""The ``tracking`` table: per Application, the last notification id its projection applied.
Moved with the rows in the same transaction (``projector.py``), so a position never says more
or less than the rows hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from . import tables as t
from .engine import upsert


def tracked_positions(conn: Connection) -> dict[str, int]:
    """Every tracked log's position; a log never caught up has no row."""
    rows = conn.execute(select(t.tracking.c.application_name, t.tracking.c.notification_id))
    return {str(name): int(position) for name, position in rows}


def lock_position(conn: Connection, app_name: str) -> int:
    """The log's position, its row locked until the transaction ends (``FOR UPDATE``; SQLite's
    writer took the whole database at ``BEGIN IMMEDIATE``): one catch-up of a log at a time."""
    row = conn.execute(
        select(t.tracking.c.notification_id)
        .where(t.tracking.c.application_name == app_name)
        .with_for_update()
    ).first()
    if row is not None:
        return int(row[0])
    # First catch-up of this log: create the row; a concurrent creator makes us wait on it.
    conn.execute(start_tracking(conn, app_name))
    return lock_position(conn, app_name)


def move_position(conn: Connection, app_name: str, notification_id: int) -> None:
    conn.execute(
        t.tracking.update()
        .where(t.tracking.c.application_name == app_name)
        .values(notification_id=notification_id)
    )


def start_tracking(conn: Connection, app_name: str) -> Any:
    """The statement that gives a log its row at position 0, unless it has one already."""
    return upsert(conn.dialect.name, t.tracking, ["application_name"]).values(
        application_name=app_name, notification_id=0
    )
