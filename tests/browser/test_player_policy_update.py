"""Rules changed while a student watches, in Chromium: completing a ``once`` video promotes the
grant to ``free`` and the player carries on under it in place (no reload, no restart offer, a
skip ahead now allowed); a tightening still stops the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.media import make_video

from .conftest import Site, play, serving

HEARTBEAT_WAIT = 15  # seconds: the player beats every 10


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # Heartbeats' positions written at once: the progress row exists after the first one.
    with serving(tmp_path_factory.mktemp("site"), ACADEMY_VIDEO_PROGRESS_FLUSH_SECONDS="0") as site:
        yield site


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "lecture.mp4"
    return make_video(path, seconds=60, size=(160, 120), gop_seconds=1)


def _progress_id(site: Site, video: int, enrollment: int) -> int:
    rows = site.api("GET", f"/video-progress/?video={video}&enrollment={enrollment}").json()
    return int(rows[0]["id"]) if rows else 0


def test_completing_a_once_video_lets_the_player_play_on_under_the_free_rule(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Once", allow_skip=True, max_speed=1.5)
    granted = site.api(
        "POST", "/video-permissions/", json={"video": video, "enrollment": 101, "rule": "once"}
    )
    assert granted.status_code == 201, granted.text
    tab = play(site, tabs, 1001, "Once")
    page = tab.page
    expect(page.locator("#rules")).to_contain_text("only up to what you have already watched")
    page.select_option("#rate", "1.5")

    # The first heartbeat records her progress; then it reaches completion (a staff
    # correction, as the last seconds of the lecture would): the grant becomes free.
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000):
        pass
    progress = _progress_id(site, video, 101)
    assert progress, "no progress recorded by the first heartbeat"
    completed = site.api("PATCH", f"/video-progress/{progress}", json={"completed": True})
    assert completed.status_code == 200, completed.text

    # The next heartbeat hands the player the free rule and a new token: applied in place.
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000) as beat:
        pass
    answer = beat.value.json()
    assert answer["policy"]["seek"]["mode"] == "free" and answer["token"]
    expect(page.locator("#notice")).to_contain_text("relaxed")
    expect(page.locator("#rules")).not_to_contain_text("only up to")
    assert page.evaluate("document.getElementById('video').playbackRate") == 1.5  # kept
    assert not page.evaluate("document.getElementById('video').paused")
    assert page.locator("#player-next").count() == 0  # no restart offered

    # Skipping ahead is the student's now: no revert, no report.
    watched = page.evaluate("document.getElementById('video').currentTime")
    page.eval_on_selector("#video", "(v, to) => { v.currentTime = to; }", watched + 30)
    tab.wait_until(f"() => document.getElementById('video').currentTime > {watched + 29}")
    # Later calls present the new token and are answered as usual.
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000) as later:
        pass
    assert later.value.json() == {"ok": True}
    assert (later.value.request.post_data_json or {}).get("token") == answer["token"]
    assert _seek_attempts(site, video, 101) == []


def test_a_tightening_mid_play_still_stops_the_session(site: Site, tabs: Any, source: Path) -> None:
    video = site.ready_video(source, "Tightened", allow_skip=True, max_speed=1.5)
    tab = play(site, tabs, 1002, "Tightened")
    page = tab.page
    refusals: list[Any] = []  # whichever playback call hears it first: a heartbeat or a batch
    page.on(
        "response",
        lambda r: refusals.append((r.url, r.status)) if "/api/v1/playback/" in r.url else None,
    )
    body = {"video_id": video, "enrollments": [102], "rule": "blocked"}
    assert site.api("POST", "/video-permissions/bulk_set/", json=body).status_code == 200
    notice = page.locator("#notice")
    expect(notice).to_contain_text("changed the rules", timeout=HEARTBEAT_WAIT * 1000)
    assert page.evaluate("document.getElementById('video').paused")
    assert any(status == 403 for _, status in refusals), refusals


def _seek_attempts(site: Site, video: int, enrollment: int) -> list[Any]:
    path = f"/video-playback-events/?video={video}&enrollment={enrollment}&event_type=SEEK_ATTEMPT"
    rows: list[Any] = site.api("GET", path).json()
    return rows


def test_a_change_that_gives_the_student_nothing_is_not_announced(
    site: Site, tabs: Any, source: Path
) -> None:
    """The video's cap raised while the student's override keeps hers: the player swaps to the
    new token but tells her nothing (``change: unchanged``)."""
    video = site.ready_video(source, "Capped", max_speed=1.5)
    body = {"video": video, "enrollment": 103, "rule": "free", "max_speed_override": 1.0}
    assert site.api("POST", "/video-permissions/", json=body).status_code == 201
    tab = play(site, tabs, 1003, "Capped")
    page = tab.page
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000):
        pass
    assert site.api("PATCH", f"/videos/{video}", json={"max_speed": 2.0}).status_code == 200
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000) as beat:
        pass
    answer = beat.value.json()
    assert answer["change"] == "unchanged" and answer["token"]
    with page.expect_response("**/playback/heartbeat/", timeout=HEARTBEAT_WAIT * 1000) as later:
        pass
    assert (later.value.request.post_data_json or {}).get("token") == answer["token"]
    expect(page.locator("#notice")).not_to_contain_text("relaxed")
