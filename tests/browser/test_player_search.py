"""Searching the lectures' transcripts from the reference player, in Chromium: a result shows its
title, time and the words around the match (the matches marked, a cue's escaped markup as text)
and opens the lecture at its time for a student who may seek there; for one who may not (seeking
blocked, or the `once` rule before anything was watched) it opens at the start and says why, and
no seek is reported."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.caption_corpus import vtt
from tests.media import make_video

from .conftest import Site, Tab

CUES = [
    (0, 6_000, "안녕하세요, 여러분"),
    (6_000, 12_000, 'HTML 예제 &lt;img src="x" onerror="alert(1)"&gt; 입니다'),
    (12_000, 19_000, "오늘은 미분의 정의를 봅니다"),
]
AT_12 = "() => document.getElementById('video').currentTime >= 12"


@pytest.fixture(scope="module")
def video(site: Site, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A lecture whose video allows seeking, with a published Korean track."""
    source = make_video(
        tmp_path_factory.mktemp("media") / "lecture.mp4", seconds=20, size=(320, 240), gop_seconds=1
    )
    video = site.ready_video(source, "미분 <i>basics</i>", allow_skip=True)
    uploaded = site.api(
        "POST",
        f"/videos/{video}/captions/",
        files={"file": ("ko.vtt", vtt(CUES).encode(), "text/vtt")},
        data={"language": "ko", "label": "한국어"},
    )
    assert uploaded.status_code == 201, uploaded.text
    published = site.api(
        "PATCH", f"/videos/{video}/captions/ko", json={"published": True, "default": True}
    )
    assert published.status_code == 200, published.text
    return video


def search(site: Site, tabs: Any, user: int, words: str) -> Tab:
    tab: Tab = tabs()
    page = tab.sign_in(f"{site.url}/player", site.token("student", user))
    page.fill("#search-q", words)
    with page.expect_response("**/search/transcripts?*") as answered:
        page.click("#search-go")
    assert answered.value.status == 200, answered.value.text()
    return tab


def open_first(page: Page) -> None:
    with page.expect_response("**/playback/start/"):
        page.locator(".search-hit").first.click()
    page.click("#play-pause")


def test_a_result_opens_the_lecture_at_its_time_for_a_student_who_may_seek(
    site: Site, tabs: Any, video: int
) -> None:
    tab = search(site, tabs, 1001, "정의를")
    page = tab.page
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("strong")).to_have_text("미분 <i>basics</i>")  # a title is text
    expect(hit.locator(".hit-time")).to_have_text("0:12")
    expect(hit.locator(".hit-snippet")).to_have_text("오늘은 미분의 정의를 봅니다")
    expect(hit.locator(".hit-snippet mark")).to_have_text("정의를")
    tab.screenshot("player-search.png")

    open_first(page)
    tab.wait_until(AT_12, timeout=20)
    # Started there, not sought there from 0: it never played the first seconds.
    assert page.evaluate("document.getElementById('video').currentTime") < 16
    expect(page.locator("#notice")).to_be_empty()
    expect(page.locator("#captions")).to_have_text("오늘은 미분의 정의를 봅니다")
    assert site.events(video, 101, "SEEK_ATTEMPT") == []


def test_a_cue_s_escaped_markup_shows_as_text(site: Site, tabs: Any, video: int) -> None:
    tab = search(site, tabs, 1001, "onerror")
    hit = tab.page.locator(".search-hit")
    expect(hit.locator(".hit-snippet")).to_have_text(
        'HTML 예제 <img src="x" onerror="alert(1)"> 입니다'
    )
    expect(hit.locator(".hit-snippet mark")).to_have_text("onerror")
    expect(tab.page.locator("#search-results img")).to_have_count(0)


@pytest.mark.parametrize(
    ("enrollment", "grant", "why"),
    [
        (102, {"rule": "free", "block_seek": True}, "seeking is off for this video"),
        (103, {"rule": "once"}, "you can skip ahead only up to 0:00"),
    ],
)
def test_a_student_who_may_not_seek_there_starts_at_0_and_is_told_why(
    site: Site, tabs: Any, video: int, enrollment: int, grant: dict[str, Any], why: str
) -> None:
    granted = site.api(
        "POST", "/video-permissions/", json={"video": video, "enrollment": enrollment, **grant}
    )
    assert granted.status_code == 201, granted.text
    tab = search(site, tabs, enrollment + 900, "정의를")
    page = tab.page
    open_first(page)
    notice = page.locator("#notice")
    expect(notice).to_contain_text("opens at the beginning, not at 0:12")
    expect(notice).to_contain_text(why)
    tab.wait_until("() => document.getElementById('video').currentTime > 1")
    assert page.evaluate("document.getElementById('video').currentTime") < 6
    expect(page.locator("#captions")).to_have_text("안녕하세요, 여러분")
    assert site.events(video, enrollment, "SEEK_ATTEMPT") == []


def test_a_result_whose_video_stopped_playing_for_the_student_says_why(
    site: Site, tabs: Any, video: int
) -> None:
    """Found while the student could play it, then blocked before she clicked: no session."""
    tab = search(site, tabs, 1001, "정의를")
    blocked = site.api(
        "POST", "/video-permissions/", json={"video": video, "enrollment": 101, "rule": "blocked"}
    )
    assert blocked.status_code == 201, blocked.text
    starts: list[str] = []
    tab.page.on("request", lambda r: starts.append(r.url) if "/playback/start" in r.url else None)
    tab.page.locator(".search-hit").first.click()
    expect(tab.page.locator("#search-status")).to_have_text(
        "Your instructor has blocked this video for you."
    )
    expect(tab.page.locator(".search-hit")).to_be_enabled()  # another result may still be opened
    assert starts == []
