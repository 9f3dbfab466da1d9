"""Published caption tracks written into the video's HLS outputs as tracks change: segmented
under the output prefix, named by the master; drafts never; unpublished or removed tracks lose
their directories; a video with no master yet is left alone."""

from __future__ import annotations

from academy_video.app.captions import CaptionChange
from tests.caption_corpus import vtt
from tests.unit.app.conftest import TENANT, World

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:3\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/published.m3u8\n"
)


def published_video(world: World) -> int:
    video = world.ready_video(duration=10)
    world.storage.put(f"hls/{TENANT}/videos/{video}/master.m3u8", MASTER.encode())
    return video


def add(world: World, video: int, language: str, *, publish: bool) -> None:
    data = vtt([(500, 2_000, f"{language} one"), (5_000, 6_000, f"{language} two")]).encode()
    world.app.captions.upload(
        tenant=TENANT,
        video_id=video,
        data=data,
        language=language,
        label=language,
        kind="subtitles",
    )
    if publish:
        world.app.captions.change(
            tenant=TENANT, video_id=video, language=language, change=CaptionChange(published=True)
        )


def outputs(world: World, video: int) -> dict[str, str]:
    prefix = f"hls/{TENANT}/videos/{video}/"
    return {
        k.removeprefix(prefix): v.decode()
        for k, v in world.storage.objects.items()
        if k.startswith(prefix)
    }


def test_a_draft_is_not_in_the_outputs_and_publishing_puts_it_there(world: World) -> None:
    video = published_video(world)
    add(world, video, "ko", publish=False)
    assert outputs(world, video) == {"master.m3u8": MASTER}
    world.app.captions.change(
        tenant=TENANT, video_id=video, language="ko", change=CaptionChange(published=True)
    )
    files = outputs(world, video)
    (playlist,) = [k for k in files if k.endswith("index.m3u8")]
    assert playlist.startswith("subtitles/ko/v")
    assert f'URI="{playlist}"' in files["master.m3u8"]
    assert ',SUBTITLES="subs"' in files["master.m3u8"]
    segments = sorted(k for k in files if k.endswith(".vtt"))
    assert len(segments) == 3  # 10 s at 4 s
    assert "ko one" in files[segments[0]] and "ko two" in files[segments[1]]


def test_unpublishing_and_removing_take_the_track_out(world: World) -> None:
    video = published_video(world)
    add(world, video, "ko", publish=True)
    add(world, video, "en", publish=True)
    assert outputs(world, video)["master.m3u8"].count("#EXT-X-MEDIA") == 2
    world.app.captions.change(
        tenant=TENANT, video_id=video, language="ko", change=CaptionChange(published=False)
    )
    files = outputs(world, video)
    assert not any(k.startswith("subtitles/ko/") for k in files)
    assert 'LANGUAGE="ko"' not in files["master.m3u8"]
    world.app.captions.remove(tenant=TENANT, video_id=video, language="en")
    assert outputs(world, video) == {"master.m3u8": MASTER}


def test_a_new_file_for_a_published_track_gets_its_own_directory_and_the_master_follows(
    world: World,
) -> None:
    video = published_video(world)
    add(world, video, "ko", publish=True)
    before = [k for k in outputs(world, video) if k.endswith("index.m3u8")]
    world.app.captions.upload(
        tenant=TENANT,
        video_id=video,
        data=vtt([(1_000, 2_000, "다시")]).encode(),
        language="ko",
        label="한국어",
        kind="subtitles",
        replace=True,
    )
    files = outputs(world, video)
    after = [k for k in files if k.endswith("index.m3u8") and k not in before]
    assert len(after) == 1 and f'URI="{after[0]}"' in files["master.m3u8"]
    assert 'NAME="한국어"' in files["master.m3u8"]


def test_a_video_without_a_master_in_storage_is_left_alone(world: World) -> None:
    video = world.ready_video(duration=10)
    add(world, video, "ko", publish=True)
    assert outputs(world, video) == {}
