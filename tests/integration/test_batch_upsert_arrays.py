"""The projections' upserts: from ``COPY_FROM`` rows of one table on, PostgreSQL gets them as
one statement of arrays (``upsert_arrays``); the rows read back are those one statement per
row writes: inserted, updated in place, NULLs, times, text of any characters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import String, select
from sqlalchemy.exc import DataError

from academy_video.adapters.sql import batch as batch_module
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.batch import COPY_FROM, Batch, arrayable
from tests.integration.conftest import Deployment

from .test_batch_copy import utc
from .test_read_models import engine_of

AT = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC)
IDS = [uuid.UUID(int=n + 1) for n in range(COPY_FROM + 5)]


def session_row(n: int, status: str) -> dict[str, Any]:
    return {
        "aggregate_id": IDS[n],
        "session_id": f"s-{n}",
        "tenant": "demo",
        "video_id": 2**40 + n,
        "enrollment_id": n,
        "user_id": 11,
        "device_id": 'é \\ \t \n " , {}' if n % 3 else "",
        "status": status,
        "policy_version": n % 7,
        "grant_version": 1,
        "started_at": AT + timedelta(seconds=n),
        "expires_at": AT + timedelta(hours=1, microseconds=n),
        "ended_at": None if n % 2 else AT,
        "revoke_reason": "",
        "events_total": n,
        "violations_total": 0,
    }


def stored(deployment: Deployment) -> dict[uuid.UUID, dict[str, Any]]:
    with engine_of(deployment.containers[0]).connect() as conn:
        rows = conn.execute(select(t.playback_sessions)).mappings()
        return {row["aggregate_id"]: {k: utc(v) for k, v in row.items()} for row in rows}


def put(deployment: Deployment, rows: list[dict[str, Any]]) -> None:
    batch = Batch()
    for row in rows:
        batch.put(t.playback_sessions, row)
    with engine_of(deployment.containers[0]).begin() as conn:
        batch.flush(conn)


def test_many_upserted_rows_read_back_as_few_do(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_of(deployment.start())
    statements: list[int] = []
    upsert_arrays = batch_module.upsert_arrays

    def counted(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        statements.append(len(rows))
        upsert_arrays(conn, table, rows)

    monkeypatch.setattr(batch_module, "upsert_arrays", counted)
    few = 3
    put(deployment, [session_row(n, "ACTIVE") for n in range(few)])  # a statement per row
    # Many: the first few are there already (updated), the rest new.
    many = [session_row(n, "REVOKED") for n in range(len(IDS))]
    put(deployment, many)
    assert stored(deployment) == {row["aggregate_id"]: row for row in many}
    # And back through the few-rows path: the same rows.
    put(deployment, [session_row(n, "ENDED") for n in range(few)])
    rows = stored(deployment)
    assert [rows[IDS[n]]["status"] for n in range(few + 1)] == ["ENDED"] * few + ["REVOKED"]
    assert statements == ([len(IDS)] if engine.dialect.name == "postgresql" else [])


def test_tables_with_json_columns_keep_one_statement_per_row() -> None:
    assert arrayable(t.playback_sessions) and arrayable(t.progress)
    assert not arrayable(t.playback_events)  # its payload is JSON


def test_a_value_too_long_is_refused_as_a_statement_per_row_refuses_it(
    deployment: Deployment,
) -> None:
    """Arrays of text are cast to TEXT[]: a cast to VARCHAR(n)[] would cut a longer value
    silently, where the insert into the column refuses it."""
    deployment.start()
    kind = t.playback_sessions.c.device_id.type
    assert isinstance(kind, String) and kind.length is not None
    too_long = "x" * (kind.length + 1)
    for count in (3, len(IDS)):  # a statement per row, then one of arrays (PostgreSQL)
        rows = [{**session_row(n, "ACTIVE"), "device_id": too_long} for n in range(count)]
        if engine_of(deployment.containers[0]).dialect.name != "postgresql":
            return  # SQLite does not enforce VARCHAR lengths
        with pytest.raises((DataError, psycopg.DataError)):
            put(deployment, rows)
    assert stored(deployment) == {}
