"""Published caption tracks through the embedded edge: a playing session's master names the
track, whose playlist and segments come signed with the session's scope; a draft is never named;
another video's scope reaches none of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from academy_video.app.captions import CaptionChange
from tests.caption_corpus import vtt
from tests.http.conftest import Api
from tests.integration.test_media_serving import get, ready, serving, start, uris


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(tmp_path) as api:
        yield api


def caption(api: Api, video: int, language: str, *, publish: bool) -> None:
    data = vtt([(500, 1_500, "안녕하세요"), (2_000, 3_000, "반갑습니다")]).encode()
    captions = api.app.captions
    captions.upload(
        tenant="demo", video_id=video, data=data, language=language, label="한국어",
        kind="subtitles",
    )  # fmt: skip
    if publish:
        captions.change(
            tenant="demo", video_id=video, language=language, change=CaptionChange(published=True)
        )


def media_uri(master: str) -> str:
    line = next(x for x in master.splitlines() if x.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES"))
    return line.split('URI="')[1].split('"')[0]


def test_a_session_gets_the_published_track_signed_to_the_last_segment(
    api: Api, tmp_path: Path
) -> None:
    video = ready(api.app, tmp_path)
    caption(api, video, "ko", publish=True)
    caption(api, video, "en", publish=False)
    master = get(api, start(api, video)["play_url"]).text
    assert master.count("#EXT-X-MEDIA:TYPE=SUBTITLES") == 1 and 'LANGUAGE="ko"' in master
    assert all(
        line.endswith(',SUBTITLES="subs"')
        for line in master.splitlines()
        if line.startswith("#EXT-X-STREAM-INF")
    )
    playlist_url = media_uri(master)
    assert parse_qs(urlsplit(playlist_url).query)["acl"] == [f"/hls/demo/videos/{video}/"]
    playlist = get(api, playlist_url)
    assert playlist.status_code == 200
    texts = []
    for segment_url in uris(playlist.text):
        segment = get(api, segment_url)
        assert segment.status_code == 200
        assert segment.headers["content-type"].startswith("text/vtt")
        texts.append(segment.content.decode())
    assert texts[0].startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n")
    assert "안녕하세요" in texts[0]
    unsigned = get(api, playlist_url.split("?")[0] + "?")
    assert unsigned.status_code == 403


def test_another_videos_scope_reaches_no_track(api: Api, tmp_path: Path) -> None:
    video = ready(api.app, tmp_path)
    caption(api, video, "ko", publish=True)
    other = ready(api.app, tmp_path)
    playlist_path = urlsplit(media_uri(get(api, start(api, video)["play_url"]).text)).path
    other_scope = start(api, other)["media_query"]
    assert api.client.get(f"{playlist_path}?{other_scope}").status_code == 403
