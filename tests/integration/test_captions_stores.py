"""Caption tracks on the real stores: events in SQLite or PostgreSQL, files in S3. A track
uploaded, edited and published survives a restart; its files are where the keys say, one
version at a time, and deleting the video empties its captions prefix in the bucket."""

from __future__ import annotations

import uuid

import boto3

from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.captions import CaptionChange, CueEdit
from academy_video.bootstrap import Adapters
from academy_video.domain.policy import VideoDefaults
from tests.caption_corpus import KOREAN, korean_srt, timed, vtt

from .conftest import Deployment
from .test_storage import need_s3


def test_a_track_on_the_event_store_and_s3_survives_a_restart(deployment: Deployment) -> None:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=need_s3())
    s3.create_bucket(Bucket=bucket)
    storage = S3ObjectStorage(bucket, endpoint_url=need_s3())
    app = deployment.start(adapters=Adapters(storage=storage))
    app.videos.register(
        video_id=5,
        tenant="demo",
        session_id=1,
        title="Limits",
        file_key="videos/demo/1/x.mp4",
        order=1,
        defaults=VideoDefaults(),
    )
    app.videos.confirm_upload(5, size=10, probe={"duration": 60.0})
    # A Korean Windows SubRip file, edited and published.
    app.captions.upload(
        tenant="demo",
        video_id=5,
        data=korean_srt("euc_kr"),
        language="ko",
        label="한국어",
        kind="subtitles",
    )
    app.captions.change(
        tenant="demo",
        video_id=5,
        language="ko",
        change=CaptionChange(edits=(CueEdit(2, "질문 있나요?"),), published=True, default=True),
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith("captions/demo/videos/5/ko/v2-")
    expected = vtt(timed([*KOREAN[:2], "질문 있나요?"])).encode()
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == expected

    # Another process on the same stores reads the same track and file.
    again = deployment.start(adapters=Adapters(storage=storage))
    [track] = again.captions.tracks(tenant="demo", video_id=5)
    assert (track.status, track.default, track.version, track.cue_count) == (
        "published",
        True,
        2,
        3,
    )
    assert again.captions.file(tenant="demo", video_id=5, language="ko") == expected
    events = [e.type for e in again.audit.video_events("demo", 5)]
    assert events[-4:] == [
        "CaptionAdded",
        "CaptionCuesEdited",
        "CaptionDefaultSet",
        "CaptionPublished",
    ]

    again.catalog.delete(tenant="demo", video_id=5)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
