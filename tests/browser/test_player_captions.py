"""Caption tracks in the reference player, in Chromium: a published Korean track's cues show under
the picture (through the signed HLS chain: hls.js reads the master's subtitle rendition), the
language menu switches tracks and the choice is remembered across a reload, and a lecture
without a published track shows no menu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.caption_corpus import vtt
from tests.media import make_video

from .conftest import PLAYING, Site, Tab, play

KOREAN = [
    (0, 6_000, "안녕하세요, 여러분"),
    (6_000, 12_000, "오늘은 자막을 봅니다"),
    (12_000, 19_000, "감사합니다"),
]
ENGLISH = [
    (0, 6_000, "Hello, everyone"),
    (6_000, 12_000, "Today: captions"),
    (12_000, 19_000, "Thank you"),
]


def any_of(cues: list[tuple[int, int, str]]) -> re.Pattern[str]:
    return re.compile("^(" + "|".join(re.escape(text) for _, _, text in cues) + ")$")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "lecture.mp4"
    return make_video(path, seconds=20, size=(320, 240), gop_seconds=1)


def add_track(
    site: Site,
    video: int,
    language: str,
    label: str,
    cues: list[tuple[int, int, str]],
    **change: bool,
) -> None:
    """Uploaded as staff would, then changed (``published``, ``default``)."""
    uploaded = site.api(
        "POST",
        f"/videos/{video}/captions/",
        files={"file": (f"{language}.vtt", vtt(cues).encode(), "text/vtt")},
        data={"language": language, "label": label},
    )
    assert uploaded.status_code == 201, uploaded.text
    if change:
        changed = site.api("PATCH", f"/videos/{video}/captions/{language}", json=change)
        assert changed.status_code == 200, changed.text


def play_again(tab: Tab, title: str) -> Page:
    """The page reloaded (the token kept): the student picks the lecture again."""
    page = tab.page
    page.reload()
    page.locator(".video-card", has_text=title).locator("button.play").click()
    page.click("#play-pause")
    tab.wait_until(PLAYING)
    return page


def test_a_published_korean_track_shows_and_the_language_chosen_is_remembered(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Captioned")
    add_track(site, video, "ko", "한국어", KOREAN, published=True, default=True)
    add_track(site, video, "en", "English", ENGLISH, published=True)
    add_track(site, video, "ja", "日本語", ENGLISH)  # a draft: never offered

    tab = play(site, tabs, 1001, "Captioned")
    page = tab.page
    box, menu = page.locator("#captions"), page.locator("#captions-menu")
    expect(box).to_have_text(any_of(KOREAN))  # the default track, with no choice made yet
    expect(box.locator(".cue")).to_have_attribute("lang", "ko")
    options = menu.locator("option").all_inner_texts()
    assert options == ["Off", "English", "한국어"]  # the master's order: by language
    assert menu.evaluate("m => m.labels[0].textContent.trim().startsWith('Captions')")
    assert page.evaluate("() => localStorage.getItem('academy-video.captions')") is None
    tab.screenshot("player-captions.png")
    # On time: the second cue replaces the first at 6 s of the picture's clock (the segments'
    # X-TIMESTAMP-MAP puts cue time 0 where the video's MPEG-TS segments start).
    second = "() => document.getElementById('captions').textContent === '오늘은 자막을 봅니다'"
    tab.wait_until(second, timeout=20)
    assert 5.9 <= page.evaluate("document.getElementById('video').currentTime") < 6.8

    expect(menu).to_have_value("1")  # track 1: Korean
    # With the keyboard: the menu takes focus and an arrow picks the language above.
    menu.focus()
    page.keyboard.press("ArrowUp")
    expect(menu).to_have_value("0")
    expect(box).to_have_text(any_of(ENGLISH))
    assert page.evaluate("() => localStorage.getItem('academy-video.captions')") == "en"

    page = play_again(tab, "Captioned")  # remembered: English, not the video's default
    expect(page.locator("#captions-menu")).to_have_value("0")
    expect(page.locator("#captions")).to_have_text(any_of(ENGLISH))

    page.select_option("#captions-menu", label="Off")
    expect(page.locator("#captions")).to_be_hidden()
    page = play_again(tab, "Captioned")
    expect(page.locator("#captions-menu")).to_have_value("-1")
    tab.wait_until("() => document.getElementById('video').currentTime > 2")
    expect(page.locator("#captions")).to_be_hidden()  # off stays off, default track or not
    assert page.evaluate("() => localStorage.getItem('academy-video.captions')") == "off"


def test_a_lecture_without_a_published_track_shows_no_menu(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Uncaptioned")
    add_track(site, video, "ko", "한국어", KOREAN)  # a draft only
    subtitles: list[str] = []
    tab = tabs()
    tab.page.on("request", lambda r: subtitles.append(r.url) if "/subtitles/" in r.url else None)
    play(site, tabs, 1002, "Uncaptioned", tab=tab)
    tab.wait_until("() => document.getElementById('video').currentTime > 2")
    expect(tab.page.locator(".caption-choice")).to_be_hidden()
    expect(tab.page.locator("#captions")).to_be_hidden()
    assert subtitles == []
