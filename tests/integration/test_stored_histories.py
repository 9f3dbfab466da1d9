"""Many aggregates read at once (the import's ``StoredHistories``): the SQL reads of the
PostgreSQL and SQLite event stores give what ``find`` gives for each id."""

from __future__ import annotations

import pytest

from academy_video.adapters.eventstore import histories
from academy_video.adapters.eventstore.histories import RecorderHistories
from academy_video.app.switchover.histories import MAX_IDS, OneByOne, find_many
from academy_video.domain.progress import WatchProgress
from tests.integration.conftest import Deployment


def progress(video_id: int, enrollment_id: int) -> WatchProgress:
    return WatchProgress.imported(
        video_id=video_id,
        enrollment_id=enrollment_id,
        tenant="demo",
        progress_id=video_id * 100 + enrollment_id,
        source="video_videoprogress:1",
        progress=0.5,
        last_position=10.0,
        completed=False,
    )


def test_many_aggregates_load_as_find_loads_each(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(histories, "CHUNK", 7)  # several statements
    app = deployment.start().progresses
    saved = [progress(1, e) for e in range(1, 30)]
    app.save(*saved)
    for aggregate in saved[:5]:  # histories longer than one event, in version order
        aggregate.correct(progress=0.9, completed=True, last_position=99.0)
        aggregate.correct(progress=1.0, completed=True, last_position=120.0)
    app.save(*saved[:5])
    missing = WatchProgress.create_id(2, 1)
    ids = [a.id for a in saved] + [missing]

    found = find_many(RecorderHistories(), app, ids, WatchProgress)

    assert set(found) == {a.id for a in saved}
    for aggregate_id, aggregate in found.items():
        expected = app.find(aggregate_id, WatchProgress)
        assert expected is not None
        assert (aggregate.version, aggregate.progress, aggregate.last_position) == (
            expected.version,
            expected.progress,
            expected.last_position,
        )
    assert found.keys() == find_many(OneByOne(), app, ids, WatchProgress).keys()
    assert find_many(RecorderHistories(), app, [], WatchProgress) == {}


def test_a_read_of_too_many_ids_is_refused(deployment: Deployment) -> None:
    app = deployment.start().progresses
    ids = [WatchProgress.create_id(1, e) for e in range(MAX_IDS + 1)]
    with pytest.raises(ValueError, match="at most"):
        find_many(RecorderHistories(), app, ids, WatchProgress)
