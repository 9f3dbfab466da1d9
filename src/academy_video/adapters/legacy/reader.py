"""The old app's tables through SQLAlchemy Core: one ordered query per table, streamed (a
server-side cursor on PostgreSQL) and handed on ``batch`` rows at a time, so memory stays
bounded whatever the table's size. Works on PostgreSQL (``postgresql://…``, ``--schema``) and
SQLite (``sqlite:///path``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Generator, Iterator
from contextlib import suppress
from dataclasses import fields
from datetime import UTC, datetime
from queue import Empty, Queue
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa

from academy_video.app.switchover.records import CHANGED_AT, OldPlaybackEvent

from .names import TableNames, default_names, old_table

R = TypeVar("R")
AHEAD = 2  # batches read ahead of the import (bounded memory: at most this many more)
TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "datetime": sa.DateTime(),
    "datetime | None": sa.DateTime(),
    "bool": sa.Boolean(),
    "bool | None": sa.Boolean(),
    "Any": sa.JSON(),
}


def engine_url(dsn: str) -> str:
    """``postgresql://`` is psycopg 3 here (the driver the service uses)."""
    for plain in ("postgresql://", "postgres://"):
        if dsn.startswith(plain):
            return "postgresql+psycopg://" + dsn[len(plain) :]
    return dsn


class SqlLegacyReader:
    def __init__(
        self, dsn: str, *, schema: str | None = None, names: dict[type, TableNames] | None = None
    ) -> None:
        self.engine = sa.create_engine(engine_url(dsn), json_deserializer=json_loads)
        self.schema = schema
        self.names = names or default_names()

    def table(self, record: type) -> str:
        return self.names[record].table

    def count(self, record: type, since: datetime | None = None) -> int:
        table = self._table(record)
        where = _since(record, table, self._moment(since))
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def read(self, record: type[R], batch: int, since: datetime | None = None) -> Iterator[list[R]]:
        """The rows in batches; the next batch is read (in a thread) while the caller saves
        this one."""
        return ahead(self._read(record, batch, since))

    def _read(
        self, record: type[R], batch: int, since: datetime | None
    ) -> Generator[list[R], None, None]:
        table = self._table(record)
        order = [table.c.id]
        if record is OldPlaybackEvent:
            order.insert(0, table.c.session_id)
        query = (
            sa.select(*(table.c[f.name] for f in fields(record)))  # type: ignore[arg-type]
            .where(*_since(record, table, self._moment(since)))
            .order_by(*order)
        )
        # Only the time columns need a look (SQLite's come without an offset).
        times = [i for i, f in enumerate(fields(record)) if "datetime" in str(f.type)]  # type: ignore[arg-type]
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
            for part in result.partitions(batch):
                rows = [_with_utc(row, times) for row in part] if times else part
                yield [record(*row) for row in rows]

    def _moment(self, since: datetime | None) -> datetime | None:
        """SQLite holds Django's times as naive UTC text: compare with the same."""
        if since is None or self.engine.dialect.name != "sqlite":
            return since
        return since.astimezone(UTC).replace(tzinfo=None)

    def close(self) -> None:
        self.engine.dispose()

    def _table(self, record: type) -> sa.FromClause:
        types = {f.name: TYPES.get(str(f.type), sa.types.NULLTYPE) for f in fields(record)}
        return old_table(self.names[record], types, self.schema)


def ahead(batches: Generator[R, None, None], depth: int = AHEAD) -> Generator[R, None, None]:
    """``batches``, drawn by a thread at most ``depth`` ahead of the caller: the old database's
    server and driver work on the next batch while the import writes this one. An error in the
    thread is raised here; a caller that stops early stops the thread (its generator closed)."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def draw() -> None:
        try:
            for item in batches:
                queue.put((True, item))
                if stop.is_set():
                    return
            queue.put((False, None))
        except BaseException as error:  # handed to the caller, raised there
            queue.put((False, error))
        finally:
            batches.close()

    thread = threading.Thread(target=draw, name="legacy-reader", daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # free a put waiting on a full queue
            with suppress(Empty):
                queue.get_nowait()
            thread.join(timeout=0.05)


def _since(record: type, table: sa.FromClause, since: datetime | None) -> list[Any]:
    if since is None or record not in CHANGED_AT:
        return []
    return [table.c[CHANGED_AT[record]] >= since]


def json_loads(text: str | bytes) -> Any:
    """The old JSON columns (payloads, policy snapshots), by msgspec: several times faster
    than the standard library, which still reads what msgspec refuses (NaN, say)."""
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return json.loads(text)


def _with_utc(row: Any, times: list[int]) -> list[Any]:
    values = list(row)
    for i in times:
        values[i] = _utc(values[i])
    return values


def _utc(value: Any) -> Any:
    """Django stores UTC; SQLite hands it back without an offset."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
