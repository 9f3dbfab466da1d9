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
