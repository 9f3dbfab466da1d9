"""Subtitle playlists: the master's EXT-X-MEDIA lines (hostile labels stay inside their
attribute), segmenting with the MPEG-TS timestamp map, and rewriting the master again."""

from __future__ import annotations

import pytest

from academy_video.adapters.cdn.playlists import rewrite
from academy_video.domain.caption_cues import Cue
from academy_video.domain.subtitle_playlists import (
    SubtitleRendition,
    language_attribute,
    rendition_dir,
    segment_track,
    with_subtitles,
)

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"\n'
    "360p/published.m3u8\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=320x180,CODECS="avc1.64001e,mp4a.40.2"\n'
    "180p/published.m3u8\n"
)
KO = SubtitleRendition("ko", "한국어", "subtitles", True, "subtitles/ko/v1-abc/index.m3u8")
EN = SubtitleRendition("en", "English CC", "captions", False, "subtitles/en/v2-def/index.m3u8")


def test_the_master_lists_each_track_and_every_variant_names_the_group() -> None:
    text = with_subtitles(MASTER, [KO, EN])
    media = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA")]
    assert media == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="ko",DEFAULT=YES,AUTOSELECT=YES,'
        'FORCED=NO,URI="subtitles/ko/v1-abc/index.m3u8",NAME="한국어"',
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,'
        'FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
        'public.accessibility.describes-music-and-sound",URI="subtitles/en/v2-def/index.m3u8",'
        'NAME="English CC"',
    ]
    variants = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert all(line.endswith(',SUBTITLES="subs"') for line in variants) and len(variants) == 2
    assert text.index("#EXT-X-MEDIA") < text.index("#EXT-X-STREAM-INF")


def test_writing_again_replaces_the_tracks_and_none_gives_the_transcoders_master_back() -> None:
    once = with_subtitles(MASTER, [KO, EN])
    assert with_subtitles(once, [KO, EN]) == once
    assert with_subtitles(once, [EN]).count("#EXT-X-MEDIA") == 1
    assert with_subtitles(once, []) == MASTER


@pytest.mark.parametrize(
    "label",
    [
        'x"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://evil/x.m3u8',
        'a",URI="/hls/other/videos/9/master.m3u8',
        "a,URI=",
        "line\u2028break\u2029\x00\x1f\u200e",
        '"',
    ],
)
def test_a_hostile_label_stays_inside_its_attribute(label: str) -> None:
    hostile = SubtitleRendition("ko", label, "subtitles", False, "subtitles/ko/v1-a/index.m3u8")
    text = with_subtitles(MASTER, [hostile])
    assert text.count("\n") == MASTER.count("\n") + 1  # one line more, nothing else
    (line,) = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA")]
    assert line.count('"') == 8 and line.endswith('"')
    signed = rewrite(text, "/hls/t/videos/1/master.m3u8", lambda p: f"S[{p}]")
    (signed_line,) = [x for x in signed.splitlines() if x.startswith("#EXT-X-MEDIA")]
    assert signed_line.count("S[") == 1
    assert 'URI="S[/hls/t/videos/1/subtitles/ko/v1-a/index.m3u8]"' in signed_line


@pytest.mark.parametrize("tag", ["", 'ko"', "ko\n", "ko,x", "a" * 36, "../x"])
def test_a_language_that_is_not_a_tag_is_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="not a language tag"):
        language_attribute(tag)


def test_a_rendition_directory_is_named_by_the_tracks_file_version() -> None:
    key = "captions/t/videos/1/ko/v3-0123456789ab.vtt"
    assert rendition_dir("ko", key) == "subtitles/ko/v3-0123456789ab/"


def test_segments_cover_the_video_and_carry_the_mpegts_map() -> None:
    cues = [Cue(500, 2_000, "안녕하세요"), Cue(3_500, 4_500, "across"), Cue(9_000, 9_500, "end")]
    track = segment_track(cues, segment_ms=4_000, duration_ms=10_000)
    assert [name for name, _ in track.segments] == [
        "seg_00000.vtt",
        "seg_00001.vtt",
        "seg_00002.vtt",
    ]
    assert track.playlist.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXTINF:4.000,",
        "seg_00000.vtt",
        "#EXTINF:4.000,",
        "seg_00001.vtt",
        "#EXTINF:2.000,",
        "seg_00002.vtt",
        "#EXT-X-ENDLIST",
    ]
    first, second, third = (text for _, text in track.segments)
    assert first.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n")
    assert "00:00:00.500 --> 00:00:02.000\n안녕하세요" in first
    assert "across" in first and "across" in second and "across" not in third
    assert "end" in third and "안녕하세요" not in second + third


def test_a_cue_spanning_a_boundary_is_in_both_segments() -> None:
    track = segment_track([Cue(3_000, 5_000, "span")], segment_ms=4_000, duration_ms=8_000)
    assert ["span" in text for _, text in track.segments] == [True, True]


def test_no_cues_and_no_duration_still_make_one_segment_and_absurd_lengths_are_refused() -> None:
    assert len(segment_track([], segment_ms=4_000, duration_ms=0).segments) == 1
    with pytest.raises(ValueError, match="too many subtitle segments"):
        segment_track([], segment_ms=1, duration_ms=10**9)
