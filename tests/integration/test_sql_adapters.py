"""SQL adapters against the same contracts as the in-memory ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from academy_video.adapters.sql.directory import SqlDirectory
from academy_video.adapters.sql.queue import SqlJobQueue
from academy_video.app.ports import Directory
from tests.contract.directory_suite import CHECKS
from tests.unit.app.conftest import TENANT

from .conftest import Deployment
from .test_read_models import engine_of


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_sql_directory_keeps_the_contract(
    deployment: Deployment, check: Callable[[Directory], None]
) -> None:
    check(SqlDirectory(engine_of(deployment.start())))


def queued(deployment: Deployment, how_many: int) -> tuple[SqlJobQueue, list[int]]:
    world = deployment.world()
    ids = []
    for n in range(how_many):
        ticket = world.app.uploads.init(
            tenant=TENANT, session_id=10, title=f"v{n}", filename="a.mp4"
        )
        world.storage.put(ticket.file_key, b"video:10")
        world.app.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)
        ids.append(ticket.video.video_id)
    return SqlJobQueue(engine_of(world.app)), ids


NOW = datetime(2026, 1, 1, 9, tzinfo=UTC)


def test_concurrent_reservations_never_share_a_video(deployment: Deployment) -> None:
    queue, ids = queued(deployment, 5)
    got: list[int | None] = []
    barrier = threading.Barrier(8)

    def reserve(worker: int) -> None:
        barrier.wait()
        got.append(
            queue.reserve(worker_id=f"w{worker}", now=NOW, until=NOW + timedelta(seconds=60))
        )

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v for v in got if v is not None) == sorted(ids)
    assert got.count(None) == 3


def test_reservations_go_oldest_first_and_lapse(deployment: Deployment) -> None:
    queue, ids = queued(deployment, 2)
    until = NOW + timedelta(seconds=60)
    assert queue.reserve(worker_id="a", now=NOW, until=until) == ids[0]
    assert queue.reserve(worker_id="b", now=NOW, until=until) == ids[1]
    assert queue.reserve(worker_id="c", now=NOW, until=until) is None
    # A reservation nobody turned into a claim lapses with its lease.
    later = until + timedelta(seconds=1)
    assert queue.reserve(worker_id="c", now=later, until=later) == ids[0]
    assert queue.depth() == 2
