"""A lecture whose ladder left out repeated pictures (``quality``: a held slide is a picture every
half second, not thirty a second) plays in Chromium from start to end without stalling: hls.js
and the browser take a rung whose pictures are not evenly spaced (docs/encoding.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.encoding.lecture_corpus import render

from .conftest import Site, play

SECONDS = 10

# From the moment it plays: every stall (``waiting``) and the end, noted by the page.
WATCH = """() => {
  const video = document.getElementById('video');
  window.stillWatch = { waiting: 0, ended: false };
  video.addEventListener('waiting', () => { window.stillWatch.waiting += 1; });
  video.addEventListener('ended', () => { window.stillWatch.ended = true; });
}"""
ENDED = "() => window.stillWatch.ended"
SEEN = """() => ({ ...window.stillWatch, position: document.getElementById('video').currentTime,
  duration: document.getElementById('video').duration,
  frames: document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames })"""


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "slides.mp4"
    return render("slides", path, seconds=SECONDS, size=(640, 360))


def test_a_rung_without_repeated_pictures_plays_to_the_end_without_stalling(
    site: Site, tabs: Any, slides: Path
) -> None:
    site.ready_video(slides, "Still slides", max_speed=2.0, allow_skip=True)
    tab = play(site, tabs, 1003, "Still slides")
    tab.page.evaluate(WATCH)
    tab.page.select_option("#rate", "2")
    tab.wait_until(ENDED, timeout=3 * SECONDS)
    seen = tab.page.evaluate(SEEN)
    assert seen["waiting"] == 0, seen
    assert seen["duration"] == pytest.approx(SECONDS, abs=0.1)
    assert seen["position"] == pytest.approx(seen["duration"], abs=0.1)
    # The rung had a picture every half second or at a slide change: far fewer than the 300 of
    # the source (a rung of every picture would decode them all).
    assert 0 < seen["frames"] < 300 / 3, seen


# A seek, then: the time it landed at, and the pictures shown so far.
SEEK = """async (to) => {
  const video = document.getElementById('video');
  await new Promise((done) => { video.addEventListener('seeked', done, { once: true });
                                video.currentTime = to; });
  return { at: video.currentTime,
           frames: video.getVideoPlaybackQuality().totalVideoFrames };
}"""
SHOWN = """() => ({ position: document.getElementById('video').currentTime,
  paused: document.getElementById('video').paused,
  frames: document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames })"""


def test_a_seek_into_held_pictures_shows_a_picture_and_plays_on(
    site: Site, tabs: Any, slides: Path
) -> None:
    """Where a segment's sound starts before its first picture (docs/encoding.md: after held
    pictures), a seek there (a search result opens the lecture at a time) still shows a
    picture and plays on: at each segment's start, and between two of the held pictures."""
    site.ready_video(slides, "Seek into slides", allow_skip=True)
    tab = play(site, tabs, 1002, "Seek into slides")
    for to in (4.0, 1.3, 8.0, 6.7):
        landed = tab.page.evaluate(SEEK, to)
        assert landed["at"] == pytest.approx(to, abs=0.05), landed
        tab.wait_until(
            "([to, frames]) => { const v = document.getElementById('video');"
            " return v.currentTime > to + 0.4"
            " && v.getVideoPlaybackQuality().totalVideoFrames > frames; }",
            [to, landed["frames"]],
            timeout=5,
        )
        assert not tab.page.evaluate(SHOWN)["paused"]
