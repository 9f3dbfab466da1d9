"""What a completion may publish: only under the video's own prefixes, this service's workers'
(``hls/…``) and the old app's (``media/hls/…``)."""

import pytest

from academy_video.domain.errors import InvalidValue
from academy_video.domain.video import VideoStatus
from academy_video.domain.video_storage import (
    check_published,
    fallback_thumbnail,
    own_prefixes,
    published_prefix,
)
from tests.unit.domain.builders import at
from tests.unit.domain.test_video import processing

OWN = [
    "hls/demo/videos/7/master.m3u8",
    "hls/demo/videos/7/720p/index.m3u8",
    "media/hls/demo/videos/7/master.m3u8",  # the old app's workers
    "media/hls/demo/videos/7/thumbnail.jpg",
]

NOT_OWN = [
    "hls/demo/videos/8/master.m3u8",  # another video's
    "media/hls/demo/videos/8/master.m3u8",
    "hls/demo/videos/70/master.m3u8",  # a prefix of its id is another video
    "hls/other/videos/7/master.m3u8",  # another tenant's
    "media/hls/other/videos/7/master.m3u8",
    "hls/demo/videos/7/../8/master.m3u8",  # climbing out
    "media/hls/demo/videos/7/../../../other/videos/7/x.m3u8",
    "hls/demo/videos/7/./master.m3u8",
    "hls/demo/videos/7//master.m3u8",
    "hls/demo/videos/7/",  # the prefix itself is no object
    "hls/demo/videos/7/%2e%2e/8/master.m3u8",  # encoded: an edge would decode it
    "hls/demo/videos/7/%2E%2E%2F8/master.m3u8",
    "hls/demo/videos/7/..%5c8/master.m3u8",
    "hls/demo/videos/7/..\\8\\master.m3u8",
    "hls/demo/videos/7/master.m3u8?x=../../8",
    "hls/demo/videos/7/master.m3u8#frag",
    "hls/demo/videos/7/ma ster.m3u8",
    "hls/demo/videos/7/m\x00.m3u8",
    "hls/demo/videos/7/\u2024\u2024/8/m.m3u8",  # one-dot leaders look like dots
    "/hls/demo/videos/7/master.m3u8",  # absolute
    "https://cdn.example/hls/demo/videos/7/master.m3u8",
    "//cdn.example/hls/demo/videos/7/master.m3u8",
    "s3://bucket/hls/demo/videos/7/master.m3u8",
    "media/media/hls/demo/videos/7/master.m3u8",
    "storage/media/hls/demo/videos/7/master.m3u8",
    "videos/demo/10/source.mp4",
    "keys/demo/videos/7/aes.key",
]


@pytest.mark.parametrize("key", OWN)
def test_a_video_publishes_under_either_of_its_own_prefixes(key: str) -> None:
    check_published("demo", 7, hls_path=key, thumbnail_key="")
    check_published("demo", 7, hls_path=OWN[0], thumbnail_key=key)


@pytest.mark.parametrize("key", NOT_OWN)
@pytest.mark.parametrize("field", ["hls_path", "thumbnail_key"])
def test_nothing_outside_the_videos_own_prefixes_is_accepted(field: str, key: str) -> None:
    paths = {"hls_path": OWN[0], "thumbnail_key": "", field: key}
    hls_path, thumbnail_key = paths["hls_path"], paths["thumbnail_key"]
    with pytest.raises(InvalidValue, match=f"{field} must be under"):
        check_published("demo", 7, hls_path=hls_path, thumbnail_key=thumbnail_key)
    video = processing("w1")
    with pytest.raises(InvalidValue):
        video.complete_processing(
            worker_id="w1", now=at(1), hls_path=hls_path, thumbnail_key=thumbnail_key
        )
    assert video.status == VideoStatus.PROCESSING
    if field == "hls_path":  # the legacy acknowledgement too
        with pytest.raises(InvalidValue):
            processing("w1").acknowledge_completion(hls_path=key)


def test_an_old_worker_completes_under_the_old_prefix() -> None:
    video = processing("w1")
    assert video.acknowledge_completion(hls_path="media/hls/demo/videos/7/master.m3u8") == "ok"
    assert video.status == VideoStatus.READY


def test_the_prefix_published_under_and_the_fallback_thumbnail_beside_it() -> None:
    assert own_prefixes("demo", 7) == ("hls/demo/videos/7/", "media/hls/demo/videos/7/")
    old = "media/hls/demo/videos/7/master.m3u8"
    assert published_prefix("demo", 7, old) == "media/hls/demo/videos/7/"
    # The old serializer's READY fallback, exactly, for the old workers' videos.
    assert fallback_thumbnail("demo", 7, old) == "media/hls/demo/videos/7/thumbnail.jpg"
    assert fallback_thumbnail("demo", 7, OWN[0]) == "hls/demo/videos/7/thumbnail.jpg"
    # A path from before the rule (or none): this service's prefix.
    assert published_prefix("demo", 7, "") == "hls/demo/videos/7/"
