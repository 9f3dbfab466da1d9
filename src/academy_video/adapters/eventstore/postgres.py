"""eventsourcing's PostgreSQL application recorder, appending in one statement.

The library's save is a transaction of several statements: ``SET LOCAL lock_timeout``,
``LOCK TABLE … IN EXCLUSIVE MODE`` (so notification ids commit in id order, which a follower
reading "after position p" relies on: ``adapters/sql/projector.py``), ``NOTIFY``, the insert, then
``COMMIT`` once the insert's answer is back. The table lock is held across that client round
trip, and ``NOTIFY`` takes a lock of the whole PostgreSQL cluster at commit, held through the
commit, so every Application's saves also took turns with each other's.

This recorder calls one function per table, ``<table>_append(ids, versions, topics, states)``,
on an autocommit connection: the function takes the same table lock and inserts, and the
statement's own transaction commits as it ends, so the lock is held for the insert and the
commit only. It sends no ``NOTIFY``: nothing here listens (the projector follows by polling and
by the saving process's own catch-up), so ``subscribe()`` is refused rather than left to wait for
a notification that never comes. Rows, ids and ordering are the library's: a process still on the
library's recorder (a rolling upgrade) takes the same table lock, and each reads the other's rows.

The batch goes as four arrays of plain types, which psycopg's C dumpers build (the library sends
one array of a composite type, built in Python value by value: docs/benchmarks.md).

Creating the tables (each process does on start) takes turns across processes: the library's
statements (``CREATE TYPE``, ``CREATE OR REPLACE FUNCTION``) fail with "tuple concurrently
updated" or a duplicate key when two processes run them at once. A turn waited for longer than
``CREATE_LOCK_SECONDS`` stops the start with ``CreateLockTimeout``, naming the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.errors import LockNotAvailable
from psycopg.sql import SQL, Identifier

# pg_advisory_lock's key for creating event tables (any fixed number no other lock uses).
CREATE_LOCK = 0x61765F657673  # "av_evs"
# How long a starting process waits for that lock. Creating one Application's tables takes
# milliseconds, so even a dozen processes starting together wait well under a second each; a
# minute means the holder is stuck (a session left open in psql, a process hung mid-start), and
# a start that says so beats one that hangs without a word.
CREATE_LOCK_SECONDS = 60


class CreateLockTimeout(RuntimeError):
    """Another session held the event tables' creation lock longer than CREATE_LOCK_SECONDS."""


class PostgresEventRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "function": Identifier(f"{self.events_table_name}_append"),
            "id_type": SQL(self.datastore.originator_id_type),
        }
        self.check_identifier_length(f"{self.events_table_name}_append")
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}(ids {id_type}[], "
                "versions integer[], topics text[], states bytea[]) RETURNS SETOF bigint "
                "LANGUAGE plpgsql AS $append$ BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "RETURN QUERY INSERT INTO {schema}.{table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id; "
                "END $append$"
            ).format(lock_timeout=self.datastore.lock_timeout, **names)
        )
        self.append_statement = SQL(
            "SELECT * FROM {schema}.{function}"
            "(%b::{id_type}[], %b::integer[], %b::text[], %b::bytea[]) AS appended(id)"
        ).format(**names)

    def create_table(self) -> None:
        # A session lock on a connection of its own, held while the library's statements run
        # on others (they commit in several transactions).
        with self.datastore.get_connection() as holder:
            try:
                with holder.transaction():  # the timeout is the transaction's, the lock not
                    holder.execute(
                        "SELECT set_config('lock_timeout', %s, true)", (f"{CREATE_LOCK_SECONDS}s",)
                    )
                    holder.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK,))
            except LockNotAvailable as error:
                raise CreateLockTimeout(
                    f"creating the event tables of {self.events_table_name}: the advisory lock "
                    f"{CREATE_LOCK} (pg_advisory_lock, 'av_evs') was held by another session "
                    f"for {CREATE_LOCK_SECONDS} s; find it with SELECT pid FROM pg_locks WHERE "
                    f"locktype = 'advisory' AND granted"
                ) from error
            try:
                super().create_table()
            finally:
                holder.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK,))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # the statement is its own transaction
            curs.execute(
                self.append_statement,
                columns(stored_events),
                prepare=True,
            )
            return [row["id"] for row in curs.fetchall()]

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> NoReturn:
        raise NotImplementedError(
            "PostgresEventRecorder sends no NOTIFY: follow the log by polling "
            "select_notifications (the projector's follow())"
        )


def columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    """A batch as the statement's four arrays: ids, versions, topics, states."""
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )
