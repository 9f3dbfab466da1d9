"""``Projector.behind`` (the import's): inside, a save returns without waiting for its rows,
one thread projects them meanwhile; on the way out every stored event is projected, a failed
catch-up is retried, and one that keeps failing is raised."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from academy_video.adapters.sql import tables as t
from academy_video.domain.progress import WatchProgress
from tests.integration.conftest import Deployment

from .test_read_models import engine_of


def progress(n: int) -> WatchProgress:
    return WatchProgress.imported(
        video_id=n,
        enrollment_id=n,
        tenant="demo",
        progress_id=n,
        source=f"video_videoprogress:{n}",
        progress=0.5,
        last_position=12.0,
        completed=False,
    )


def rows(deployment: Deployment) -> int:
    with engine_of(deployment.containers[0]).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.progress)).scalar_one())


def test_saves_do_not_wait_and_everything_is_projected_on_the_way_out(
    deployment: Deployment,
) -> None:
    container = deployment.start()
    projector = container.projector
    assert projector is not None
    gate, waiting = threading.Event(), threading.Event()

    def held(app_name: str, position: int) -> None:
        waiting.set()
        assert gate.wait(10)

    projector.before_tracking = held
    with projector.behind():
        container.progresses.save(progress(1))  # returns while its projection is held
        assert waiting.wait(10)
        container.progresses.save(progress(2))
        assert rows(deployment) == 0
        gate.set()
    assert rows(deployment) == 2
    assert set(projector.lag().values()) == {0}


def test_a_failed_catch_up_behind_is_retried_on_the_way_out(deployment: Deployment) -> None:
    container = deployment.start()
    projector = container.projector
    assert projector is not None
    failures = [RuntimeError("the read models' database went away")]

    def failing(app_name: str, position: int) -> None:
        if failures:
            raise failures.pop()

    projector.before_tracking = failing
    with projector.behind():
        container.progresses.save(progress(3))
    assert rows(deployment) == 1 and set(projector.lag().values()) == {0}


def test_a_catch_up_that_keeps_failing_is_raised(deployment: Deployment) -> None:
    container = deployment.start()
    projector = container.projector
    assert projector is not None

    def failing(app_name: str, position: int) -> None:
        raise RuntimeError("the read models' database went away")

    projector.before_tracking = failing
    with pytest.raises(RuntimeError, match="went away"), projector.behind():
        container.progresses.save(progress(4))
    projector.before_tracking = None
    assert projector.catch_up_all() == 1 and rows(deployment) == 1
