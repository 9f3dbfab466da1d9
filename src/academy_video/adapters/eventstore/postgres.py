"""eventsourcing's PostgreSQL application recorder with a faster insert.

The library sends a batch of events as one array of a composite type, which psycopg builds in
Python, value by value (the cost: docs/benchmarks.md, Event store appends). This recorder sends
the same rows as four arrays of plain types, which psycopg's C dumpers build, and inserts them
with the same single ``INSERT … SELECT FROM unnest(…) RETURNING notification_id`` under the
library's table lock and NOTIFY, so ordering, notification ids and subscriptions behave exactly
as before.

Creating the tables (each process does on start) takes turns across processes: the library's
statements (``CREATE TYPE``, ``CREATE OR REPLACE FUNCTION``) fail with "tuple concurrently
updated" or a duplicate key when two processes run them at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

# pg_advisory_lock's key for creating event tables (any fixed number no other lock uses).
CREATE_LOCK = 0x61765F657673  # "av_evs"


class PostgresEventRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::integer[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )

    def create_table(self) -> None:
        # A session lock on a connection of its own, held while the library's statements run
        # on others (they commit in several transactions).
        with self.datastore.get_connection() as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK,))
            try:
                super().create_table()
            finally:
                holder.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK,))

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_events_statement,
            columns(stored_events),
            prepare=True,
        )


def columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    """A batch as the statement's four arrays: ids, versions, topics, states."""
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )
