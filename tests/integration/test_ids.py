"""Public ids stay unique under concurrent writers and across restarts, on both databases."""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator
from academy_video.app.ports import IdAllocator

DATABASE_URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgres"])
def allocators(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], IdAllocator]]:
    """A factory of allocators on one database: each call is another process's allocator."""
    if request.param == "sqlite":
        yield lambda: SQLiteIdAllocator(tmp_path / "ids.sqlite3")
        return
    if not DATABASE_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_DATABASE_URL is not set: run the tests with `make test`")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    made: list[PostgresIdAllocator] = []

    def make() -> IdAllocator:
        made.append(PostgresIdAllocator(DATABASE_URL, schema=schema))
        return made[-1]

    yield make
    for allocator in made:
        allocator.close()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_eight_writers_never_get_the_same_id(allocators: Callable[[], IdAllocator]) -> None:
    writers = [allocators() for _ in range(8)]
    got: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take(allocator: IdAllocator) -> None:
        barrier.wait()
        mine = [allocator.next_id("videos") for _ in range(50)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=take, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 401))


def test_ids_continue_after_a_restart_and_kinds_are_independent(
    allocators: Callable[[], IdAllocator],
) -> None:
    first = allocators()
    assert [first.next_id("videos") for _ in range(3)] == [1, 2, 3]
    assert first.next_id("permissions") == 1
    assert allocators().next_id("videos") == 4
    with pytest.raises(ValueError, match="bad id kind"):
        first.next_id("videos; DROP TABLE x")
