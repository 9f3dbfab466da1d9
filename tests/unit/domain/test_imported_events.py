"""The ``Imported`` events (``import django``): each is stored, loads back with the old row's
state, and the audit trail shows its source first; a video the old worker finished after the
import is adopted as an ordinary completion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_video.bootstrap import Container
from academy_video.domain.errors import DomainError
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import PlaybackSession, SessionStatus
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.progress import WatchProgress
from academy_video.domain.video import Video, VideoStatus
from tests.fakes.container import build_in_memory

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PREFIX = "media/hls/daechi/videos/17"


@pytest.fixture
def container() -> Iterator[Container]:
    built = build_in_memory()
    yield built
    built.close()


def old_video(status: str = "READY", **changes: object) -> Video:
    ready = status == "READY"
    state: dict[str, object] = {
        "video_id": 17,
        "tenant": "daechi",
        "session_id": 3,
        "title": "Week 1",
        "file_key": "videos/daechi/3/a.mp4",
        "order": 1,
        "allow_skip": False,
        "max_speed": 1.5,
        "show_watermark": True,
        "status": status,
        "policy_version": 3,
        "duration": 600.0 if ready else None,
        "hls_path": f"{PREFIX}/master.m3u8" if ready else "",
        "thumbnail_key": f"{PREFIX}/thumbnail.jpg" if ready else "",
        "error_reason": "",
        **changes,
    }
    return Video.imported(source="video_video:17", created_at=T0, **state)


def test_an_imported_video_loads_with_its_old_state_and_audit_shows_its_source(
    container: Container,
) -> None:
    container.videos.save(old_video())
    loaded = container.videos.load(Video.create_id(17), Video)
    assert (loaded.status, loaded.policy_version, loaded.hls_path, loaded.duration) == (
        VideoStatus.READY,
        3,
        f"{PREFIX}/master.m3u8",
        600.0,
    )
    assert loaded.created_on == T0
    (first,) = container.audit.video_events(None, 17)
    assert (first.type, first.data["source"]) == ("Imported", "video_video:17")


def test_an_imported_grant_loads_with_its_rules_and_audit_shows_its_source(
    container: Container,
) -> None:
    rules = GrantRules(rule=Rule.ONCE, max_speed_override=1.25, block_seek=True)
    grant = PermissionGrant.imported(
        video_id=17,
        enrollment_id=5,
        tenant="daechi",
        permission_id=41,
        source="video_videopermission:41",
        rules=rules,
        is_override=True,
    )
    container.grants.save(grant)
    loaded = container.grants.load(PermissionGrant.create_id(17, 5), PermissionGrant)
    assert (loaded.rules, loaded.is_override, loaded.permission_id) == (rules, True, 41)
    (first,) = container.audit.permission_events(None, 17, 5)
    assert first.data["source"] == "video_videopermission:41"


def old_progress(progress: float = 0.6, position: float = 360.0) -> WatchProgress:
    return WatchProgress.imported(
        video_id=17,
        enrollment_id=5,
        tenant="daechi",
        progress_id=9,
        source="video_videoprogress:9",
        progress=progress,
        last_position=position,
        completed=False,
    )


def test_imported_progress_loads_its_totals(container: Container) -> None:
    progress = old_progress()
    container.progresses.save(progress)
    loaded = container.progresses.load(WatchProgress.create_id(17, 5), WatchProgress)
    assert (loaded.progress, loaded.last_position, loaded.completed) == (0.6, 360.0, False)
    assert loaded.collect_events() == []


@pytest.mark.parametrize(("progress", "position"), [(1.5, 0.0), (-0.1, 0.0), (0.5, -1.0)])
def test_imported_progress_out_of_range_is_refused(progress: float, position: float) -> None:
    with pytest.raises(DomainError):
        old_progress(progress, position)


def test_an_imported_session_and_its_events_load_and_are_not_imported_twice(
    container: Container,
) -> None:
    session = PlaybackSession.imported(
        source="video_videoplaybacksession:3",
        status="ENDED",
        ended_at=T0 + timedelta(minutes=30),
        session_id="5f1c",
        tenant="daechi",
        video_id=17,
        enrollment_id=5,
        user_id=77,
        device_id="d",
        policy={},
        policy_version=3,
        grant_version=0,
        started_at=T0,
        expires_at=T0 + timedelta(minutes=30),
    )
    items: list[dict[str, Any]] = [
        {
            "id": i,
            "type": "SEEK_ATTEMPT",
            "occurred_at": T0.timestamp() + i,
            "received_at": T0.timestamp() + i,
            "payload": {},
            "policy_snapshot": {},
            "violated": i == 2,
            "reason": "seek" if i == 2 else "",
        }
        for i in (1, 2)
    ]
    assert session.import_events(items, source="video_videoplaybackevent") == 2
    container.sessions.save(session)
    loaded = container.sessions.load(PlaybackSession.create_id("5f1c"), PlaybackSession)
    assert (loaded.status, loaded.events_total, loaded.violations_total) == (
        SessionStatus.ENDED,
        2,
        1,
    )
    assert loaded.import_events(items, source="video_videoplaybackevent") == 0
    trail = container.audit.session_events(None, "5f1c")
    assert [e.type for e in trail] == ["Imported", "EventsImported"]
    assert trail[0].data["source"] == "video_videoplaybacksession:3"


def test_the_old_workers_output_is_adopted_once_and_only_under_the_videos_prefix() -> None:
    video = old_video("UPLOADED")
    with pytest.raises(DomainError):
        video.adopt_old_output(
            hls_path="media/hls/daechi/videos/18/master.m3u8", duration=5.0, thumbnail_key=""
        )
    assert video.adopt_old_output(
        hls_path=f"{PREFIX}/master.m3u8", duration=600.0, thumbnail_key=f"{PREFIX}/t.jpg"
    )
    assert (video.status, video.duration) == (VideoStatus.READY, 600.0)
    # READY (the old output, or this service's own ladder) stays as it is.
    assert not video.adopt_old_output(
        hls_path=f"{PREFIX}/other.m3u8", duration=1.0, thumbnail_key=""
    )
    assert video.hls_path == f"{PREFIX}/master.m3u8"
