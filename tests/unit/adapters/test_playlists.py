import pytest

from academy_video.adapters.cdn.playlists import rewrite

VARIANT = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-KEY:METHOD=AES-128,URI="/api/v1/playback/key/1",IV=0x00
#EXTINF:4.000000,
seg_00000.ts
#EXTINF:2.000000,
seg_00001.ts?cache=1
#EXT-X-ENDLIST
"""


def test_every_reference_is_signed_relative_to_the_playlist() -> None:
    out = rewrite(VARIANT, "/hls/demo/videos/1/360p/index.m3u8", lambda path: f"S[{path}]")
    assert 'URI="S[/api/v1/playback/key/1]"' in out
    assert "S[/hls/demo/videos/1/360p/seg_00000.ts]" in out
    assert "S[/hls/demo/videos/1/360p/seg_00001.ts]" in out  # its own query is dropped
    assert out.splitlines()[-1] == "#EXT-X-ENDLIST"


def test_a_master_points_into_its_subdirectories() -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n"
    signed = rewrite(master, "/hls/v/1/master.m3u8", lambda p: f"S[{p}]")
    assert "S[/hls/v/1/360p/index.m3u8]" in signed


def test_references_to_other_hosts_are_refused() -> None:
    with pytest.raises(ValueError, match="another host"):
        rewrite("#EXTM3U\nhttps://evil.example/x.ts\n", "/hls/a/index.m3u8", str)
