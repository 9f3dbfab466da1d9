"""The audit chain table: the projector seals events into it (``Sealer``), ``audit verify``
reads it back in one snapshot (``SqlSeals``, the ``Seals`` port of app/audit.py)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, func, select

from academy_video.app.audit_seal import Key, as_uuid, link

from . import tables as t
from .engine import is_sqlite, sqlite_engine, upsert

CACHE_SIZE = 20_000

c = t.audit_chain.c


class Sealer:
    """Writes one link per event, in the caller's (the projector's) transaction.

    The previous link of an aggregate comes from a cache of the last link sealed, else from the
    table. The cache may run ahead of a rolled-back transaction: harmless, a link depends only
    on the stored events, so the retry computes the same links again."""

    def __init__(self, key: bytes, cache_size: int = CACHE_SIZE) -> None:
        self.key = key
        self._size = cache_size
        self._heads: OrderedDict[tuple[str, UUID], tuple[int, str]] = OrderedDict()

    def seal(self, conn: Connection, app_name: str, notifications: Sequence[Notification]) -> None:
        # Which previous links neither this batch nor the cache holds: one query for them all.
        seen: dict[UUID, int] = {}
        wanted: set[Key] = set()
        for n in notifications:
            aggregate_id, version = as_uuid(n.originator_id), n.originator_version
            head = self._heads.get((app_name, aggregate_id))
            cached = head is not None and head[0] == version - 1
            if version > 1 and seen.get(aggregate_id) != version - 1 and not cached:
                wanted.add((aggregate_id, version - 1))
            seen[aggregate_id] = version
        found = _links(conn, app_name, wanted)
        rows: list[dict[str, Any]] = []
        heads: dict[UUID, tuple[int, str]] = {}
        for n in notifications:
            aggregate_id, version = as_uuid(n.originator_id), n.originator_version
            head = heads.get(aggregate_id) or self._heads.get((app_name, aggregate_id))
            if version == 1:
                previous = ""
            elif head is not None and head[0] == version - 1:
                previous = head[1]
            else:  # not sealed (events stored before the chain existed): the chain starts here
                previous = found.get((aggregate_id, version - 1), "")
            heads[aggregate_id] = (version, link(self.key, previous, n))
            rows.append(
                {
                    "application_name": app_name,
                    "aggregate_id": aggregate_id,
                    "version": version,
                    "hash": heads[aggregate_id][1],
                }
            )
        for aggregate_id, head in heads.items():
            self._heads.pop((app_name, aggregate_id), None)
            self._heads[app_name, aggregate_id] = head
        while len(self._heads) > self._size:
            self._heads.popitem(last=False)
        if rows:
            # Exactly-once projection means no link exists yet; overwriting keeps a stray one
            # (written by hand) from wedging the projector.
            conn.execute(upsert(conn.dialect.name, t.audit_chain, ["hash"]), rows)

    def clear(self) -> None:
        self._heads.clear()


class SqlSeals:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def snapshot(self) -> Iterator[SqlSealedChain]:
        """Positions and links as of one moment, without holding the live projector off: a
        deferred transaction on SQLite (WAL keeps its snapshot), REPEATABLE READ on PostgreSQL."""
        if is_sqlite(self.engine):
            assert self.engine.url.database is not None
            reader = sqlite_engine(Path(self.engine.url.database), writer=False)
            try:
                with reader.begin() as conn:
                    yield SqlSealedChain(conn)
            finally:
                reader.dispose()
            return
        with (
            self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            yield SqlSealedChain(conn)


class SqlSealedChain:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def position(self, app_name: str) -> int:
        position = self.conn.execute(
            select(t.tracking.c.notification_id).where(t.tracking.c.application_name == app_name)
        ).scalar()
        return int(position or 0)

    def links(self, app_name: str, keys: Iterable[Key]) -> dict[Key, str]:
        return _links(self.conn, app_name, set(keys))

    def counts(self, app_name: str) -> Iterator[tuple[UUID, int]]:
        query = (
            select(c.aggregate_id, func.count())
            .where(c.application_name == app_name)
            .group_by(c.aggregate_id)
        )
        # Fetched whole (one row per aggregate): the caller queries while it iterates.
        return iter([(as_uuid(a), int(n)) for a, n in self.conn.execute(query).all()])

    def versions(self, app_name: str, aggregate_id: UUID) -> list[int]:
        query = (
            select(c.version)
            .where(c.application_name == app_name, c.aggregate_id == aggregate_id)
            .order_by(c.version)
        )
        return [int(v) for v in self.conn.execute(query).scalars()]


def _links(conn: Connection, app_name: str, keys: set[Key]) -> dict[Key, str]:
    """Portable stand-in for a tuple IN: filter on both columns, keep the pairs asked for."""
    if not keys:
        return {}
    query = select(c.aggregate_id, c.version, c.hash).where(
        c.application_name == app_name,
        c.aggregate_id.in_({a for a, _ in keys}),
        c.version.in_({v for _, v in keys}),
    )
    rows = ((as_uuid(a), int(v), h) for a, v, h in conn.execute(query))
    return {(a, v): h for a, v, h in rows if (a, v) in keys}
