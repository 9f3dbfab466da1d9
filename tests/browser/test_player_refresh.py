"""The reference player across refreshes, in Chromium: media URLs that live four seconds, a
video that outlives several of those lifetimes, AES-128 on. It plays to the end on one attach,
with no media or key request refused: each refresh's ``media_query`` goes on every request."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Response

from tests.media import make_video

from .conftest import play, serving

LIFETIME = 4  # seconds: ACADEMY_VIDEO_MEDIA_URL_SECONDS for this test's service


def test_playback_outlives_its_media_urls_without_a_reattach_or_a_refusal(
    tabs: Any, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "long.mp4", seconds=48, size=(160, 120), gop_seconds=1)
    with serving(tmp_path, ACADEMY_VIDEO_MEDIA_URL_SECONDS=str(LIFETIME)) as site:
        site.ready_video(source, "Long", max_speed=2)
        seen: list[tuple[str, int, float]] = []  # (url, status, when the answer came)

        def note(response: Response) -> None:
            path = urlsplit(response.url).path
            if path.startswith("/hls/") or "/playback/" in path:
                seen.append((response.url, response.status, time.time()))

        tab = tabs()
        tab.page.on("response", note)
        play(site, tabs, 1001, "Long", tab=tab)
        tab.page.select_option("#rate", "2")  # 48 s of video in about 24
        tab.wait_until("() => document.getElementById('video').ended", timeout=120)

    def where(part: str) -> list[tuple[str, int, float]]:
        return [s for s in seen if part in urlsplit(s[0]).path]

    masters, segments, keys = where("master.m3u8"), where(".ts"), where("/playback/key/")
    refreshes = where("/playback/refresh")
    assert len(masters) == 1, masters  # attached once: no re-attach after a lapse
    assert [s for s in seen if s[1] >= 400] == []  # no 403, nor any other refusal
    assert keys and len(refreshes) >= 3
    first_exp = int(parse_qs(urlsplit(masters[0][0]).query)["exp"][0])
    late = [s for s in segments if s[2] > first_exp]
    # What makes this test mean something: segments were fetched after the URLs the playlists
    # named had lapsed, and were accepted because they carried a later refresh's media_query.
    assert late, "every segment was fetched before the first media URLs lapsed"
    assert all(int(parse_qs(urlsplit(url).query)["exp"][0]) > first_exp for url, *_ in late)
