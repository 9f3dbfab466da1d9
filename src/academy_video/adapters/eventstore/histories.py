"""Many aggregates' stored events in one query, from eventsourcing's PostgreSQL or SQLite
recorder's table (the import's ``StoredHistories``); any other recorder, one read per id."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

from academy_video.app.applications import EventSourcedApp
from academy_video.app.switchover.histories import OneByOne

CHUNK = 5000  # ids per statement: within SQLite's 32,766 parameters


class RecorderHistories:
    def select(self, app: EventSourcedApp, ids: Sequence[UUID]) -> list[StoredEvent]:
        recorder = app.recorder
        found: list[StoredEvent] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if isinstance(recorder, PostgresAggregateRecorder):
                found += _postgres(recorder, chunk)
            elif isinstance(recorder, SQLiteAggregateRecorder):
                found += _sqlite(recorder, chunk)
            else:
                found += OneByOne().select(app, chunk)
        return found


def _postgres(recorder: PostgresAggregateRecorder, ids: Sequence[UUID]) -> list[StoredEvent]:
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = ANY(%s::{id_type}[]) ORDER BY originator_id, originator_version"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
        id_type=SQL(recorder.datastore.originator_id_type),
    )
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, (list(ids),))
        return [
            StoredEvent(r["originator_id"], r["originator_version"], r["topic"], r["state"])
            for r in curs.fetchall()
        ]


def _sqlite(recorder: SQLiteAggregateRecorder, ids: Sequence[UUID]) -> list[StoredEvent]:
    marks = ",".join("?" * len(ids))
    statement = (
        "SELECT originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE originator_id IN ({marks}) "
        "ORDER BY originator_id, originator_version"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, [i.hex for i in ids])
        return [
            StoredEvent(
                recorder.convert_originator_id(r["originator_id"]),
                r["originator_version"],
                r["topic"],
                r["state"],
            )
            for r in c.fetchall()
        ]
