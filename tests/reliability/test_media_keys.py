"""The AES-128 key on the real stack (`serve` and a `worker --api` process, PostgreSQL, Redis, S3),
with nothing said about encryption: a video is packaged encrypted by default, its key is served
from the bucket to a signed, live session, and refused to another student and, at once, to the
session once revoked (the Redis store's word)."""

from __future__ import annotations

from typing import Any

import boto3
import httpx

from tests.media import make_video

from .conftest import S3_ENDPOINT, Stack, roster
from .helpers import poll, upload


def test_the_key_is_served_from_s3_to_live_sessions_only(stack: Stack) -> None:
    assert "ACADEMY_VIDEO_HLS_ENCRYPT" not in stack.env  # the default, which is on
    server = stack.serve()
    (alice, alice_user), (bob, bob_user) = roster(stack, server, 2)
    with stack.admin(server) as http:
        stack.worker("w", server)
        video = upload(stack, http, make_video(stack.root / "lecture.mp4", seconds=2))
        poll(lambda: http.get(f"/api/v1/videos/{video}").json()["status"] == "READY", 120, "READY")
        body = {"video": video, "enrollment": alice, "block_seek": True}  # her seeks: violations
        assert http.post("/api/v1/video-permissions/", json=body).status_code == 201

    def call(user: int, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{server.url}/api/v1/playback/{path}",
            json=body,
            headers=stack.bearer("student", user),
            timeout=30,
        )

    def key(query: str) -> httpx.Response:
        return httpx.get(f"{server.url}/api/v1/playback/key/{video}?{query}", timeout=30)

    sessions = [
        call(user, "start", {"video_id": video, "enrollment_id": e, "device_id": "d"}).json()
        for e, user in ((alice, alice_user), (bob, bob_user))
    ]
    s3 = boto3.client("s3", endpoint_url=S3_ENDPOINT)
    bucket = stack.env["ACADEMY_VIDEO_S3_BUCKET"]
    prefix = f"hls/demo/videos/{video}/"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
    variant = next(o["Key"] for o in listed if o["Key"].endswith("/index.m3u8"))
    playlist = s3.get_object(Bucket=bucket, Key=variant)["Body"].read().decode()
    assert f'#EXT-X-KEY:METHOD=AES-128,URI="/api/v1/playback/key/{video}"' in playlist
    stored = s3.get_object(Bucket=bucket, Key=f"keys/demo/videos/{video}/aes.key")["Body"].read()

    assert key(sessions[0]["media_query"]).content == stored
    theft = sessions[1]["media_query"].replace(sessions[1]["session_id"], sessions[0]["session_id"])
    assert (key(theft).status_code, key(theft).json()) == (403, {"detail": "session_inactive"})

    seeks = [{"type": "SEEK_ATTEMPT", "payload": {"from": 0, "to": 1}}] * 3
    reported = call(alice_user, "events", {"token": sessions[0]["token"], "events": seeks})
    assert reported.status_code == 201, reported.text
    revoked = key(sessions[0]["media_query"])
    assert (revoked.status_code, revoked.json()) == (403, {"detail": "session_inactive"})
    assert key(sessions[1]["media_query"]).content == stored  # Bob plays on
