"""An AES-128 video stored in S3 (the moto endpoint) plays end to end through a CDN edge written
from docs/cdn.md alone (its HMAC messages spelled out here, playlists rewritten with
``adapters/cdn/playlists.py: rewrite``), and the API's key endpoint, which is served whatever
the storage. The key goes only to a live session of the signed user: another user's, a revoked
session's and an expired signature are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import av
import boto3
import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from litestar.testing import TestClient

from academy_video.adapters.cdn.playlists import rewrite
from academy_video.adapters.http.app import create_app
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import build
from tests.http.conftest import SECRET, SESSION, STUDENTS, Api, sync_roster
from tests.media import make_video

from . import test_media_serving as media_serving
from .test_media_serving import playback, uris
from .test_storage import need_s3

CDN = "https://cdn.test"
EDGE_SECRET, KID = "edge-secret", "v1"
SIGNED = ("exp", "acl", "sig", "kid", "uid", "sid")


@dataclass
class Edge:
    """What docs/cdn.md asks of a CDN edge, and nothing more."""

    bucket: str
    api: Api

    def get(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == CDN
        if parts.path.startswith("/api/"):  # the key's path is routed to the API, as it came
            return self.api.client.get(f"{parts.path}?{parts.query}")
        path, query = unquote(parts.path), dict(parse_qsl(parts.query))
        if not path.startswith("/hls/") or not self.accepts(path, query):
            return httpx.Response(403)
        body = (
            boto3.client("s3", endpoint_url=need_s3())
            .get_object(Bucket=self.bucket, Key=path[1:])["Body"]
            .read()
        )
        if not path.endswith(".m3u8"):
            return httpx.Response(200, content=body)
        scope = self.scope_for_children(path, query)
        text = rewrite(body.decode(), path, lambda child: f"{CDN}{child}?{scope}")
        return httpx.Response(200, text=text, headers={"Cache-Control": "private, no-store"})

    def accepts(self, path: str, q: dict[str, str]) -> bool:
        exp, uid = q.get("exp", ""), q.get("uid", "")
        if q.get("kid") != KID or not exp.isdigit() or int(exp) <= time.time():
            return False
        if "acl" in q:
            acl = q["acl"]
            under = acl.startswith("/") and acl.endswith("/") and acl != "/"
            under = under and path.startswith(acl) and path != acl and plain(acl) and plain(path)
            return under and uid.isdigit() and self.matches(f"acl={acl}|{exp}|{KID}|{uid}", q)
        return self.matches(f"{path}|{exp}|{KID}|{uid}", q)

    def scope_for_children(self, path: str, q: dict[str, str]) -> str:
        if "acl" in q:
            return urlencode({k: q[k] for k in SIGNED if q.get(k)})
        acl = path.rsplit("/", 1)[0] + "/"
        exp, uid = q["exp"], q["uid"]
        scoped = {"exp": exp, "acl": acl, "sig": mac(f"acl={acl}|{exp}|{KID}|{uid}")}
        return urlencode({**scoped, "kid": KID, "uid": uid, "sid": q.get("sid", "")})

    @staticmethod
    def matches(message: str, q: dict[str, str]) -> bool:
        sig = q.get("sig", "")
        return sig.isascii() and hmac.compare_digest(mac(message), sig)


def mac(message: str) -> str:
    digest = hmac.new(EDGE_SECRET.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def plain(path: str) -> bool:
    segments = path[1:].rstrip("/").split("/")
    return (
        path.isascii()
        and path.isprintable()
        and not any(c in path for c in "%\\?#|")
        and all(s not in ("", ".", "..") for s in segments)
    )


@dataclass
class Deployment:
    api: Api
    edge: Edge
    video: int


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The service on S3 with AES-128 on, an encrypted video uploaded and transcoded."""
    tmp = tmp_path_factory.mktemp("s3-edge")
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=need_s3()).create_bucket(Bucket=bucket)
    container = build(
        Settings(
            data_dir=tmp / "data",
            jwt_secret=SECRET,
            playback_token_secret="p",
            s3_bucket=bucket,
            s3_endpoint_url=need_s3(),
            cdn_base_url=CDN,
            cdn_signing_secret=EDGE_SECRET,
            cdn_signing_key_id=KID,
            hls_encrypt=True,
        )
    )
    assert isinstance(container.storage, S3ObjectStorage)
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield Deployment(api, Edge(bucket, api), upload_and_transcode(api, tmp))
    container.close()


def upload_and_transcode(api: Api, tmp: Path) -> int:
    """As a client would upload (init, a presigned PUT to the bucket, complete); then the real
    transcoder packages it, reading and writing the bucket."""
    source = make_video(tmp / "lecture.mp4", seconds=4, size=(320, 240))
    ticket = api.call(
        "POST",
        "/api/v1/videos/upload/init",
        json={"session": SESSION, "title": "Encrypted", "filename": "lecture.mp4"},
    ).json()
    assert ticket["upload_url"].startswith(need_s3())
    put = httpx.put(ticket["upload_url"], content=source.read_bytes(), timeout=30)
    assert put.status_code == 200, put.text
    video = int(ticket["video"]["id"])
    assert api.call("POST", f"/api/v1/videos/{video}/upload/complete").status_code == 200
    worker = Worker(ServiceJobs(api.app.jobs, "w"), api.app.transcoder)
    job = worker.jobs.claim()
    assert job is not None and worker.process(job, threading.Event()) == "completed"
    return video


def start(s3: Deployment, enrollment: int) -> dict[str, Any]:
    return media_serving.start(s3.api, s3.video, enrollment)


def key_uri(variant: str) -> tuple[str, bytes]:
    line = next(line for line in variant.splitlines() if line.startswith("#EXT-X-KEY"))
    assert "METHOD=AES-128" in line
    return line.split('URI="')[1].split('"')[0], bytes.fromhex(line.split("IV=0x")[1][:32])


def key_with(s3: Deployment, query: str) -> httpx.Response:
    return s3.edge.get(f"{CDN}/api/v1/playback/key/{s3.video}?{query}")


def test_an_encrypted_video_in_s3_plays_through_the_edge_and_the_key_endpoint(
    s3: Deployment, tmp_path: Path
) -> None:
    session = start(s3, 101)
    master = s3.edge.get(session["play_url"])
    assert master.status_code == 200
    [variant_url] = uris(master.text)
    variant = s3.edge.get(variant_url)
    assert variant.status_code == 200
    uri, iv = key_uri(variant.text)
    assert uri.startswith(f"{CDN}/api/v1/playback/key/{s3.video}?")
    key = s3.edge.get(uri)
    assert (key.status_code, len(key.content)) == (200, 16)
    assert key.headers["cache-control"] == "private, no-store"
    [segment_url] = uris(variant.text)
    segment = s3.edge.get(segment_url)
    assert segment.status_code == 200
    assert not segment.content.startswith(b"\x47")  # encrypted: no MPEG-TS sync byte in clear
    decryptor = Cipher(algorithms.AES(key.content), modes.CBC(iv)).decryptor()
    plain = decryptor.update(segment.content) + decryptor.finalize()
    clear = tmp_path / "clear.ts"
    clear.write_bytes(plain[: -plain[-1]])  # PKCS#7 padding off
    with av.open(str(clear)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 100  # 4 s at 25 fps
    # The query a refresh hands out opens the same key (the player swaps it in).
    assert key_with(s3, session["media_query"]).content == key.content


def test_the_key_is_refused_to_another_user_and_for_an_expired_signature(s3: Deployment) -> None:
    alice, bob = start(s3, 101), start(s3, 102)
    query = dict(parse_qsl(alice["media_query"]))
    # Alice's query with Bob's user id: the signature is Alice's.
    assert key_with(s3, urlencode({**query, "uid": str(STUDENTS[102])})).json() == {
        "detail": "invalid_signature"
    }
    # Bob, signed for himself, naming Alice's session.
    bobs = dict(parse_qsl(bob["media_query"]))
    stolen = key_with(s3, urlencode({**bobs, "sid": alice["session_id"]}))
    assert (stolen.status_code, stolen.json()) == (403, {"detail": "session_inactive"})
    # A signature whose time is up.
    signer = s3.api.app.playback.signer
    expired = signer.scope(
        query["acl"],
        expires_at=int(time.time()) - 1,
        user_id=STUDENTS[101],
        session_id=alice["session_id"],
    )
    refused = key_with(s3, expired)
    assert (refused.status_code, refused.json()) == (403, {"detail": "invalid_signature"})
    assert s3.edge.get(f"{CDN}{query['acl']}master.m3u8?{expired}").status_code == 403
    assert key_with(s3, alice["media_query"]).status_code == 200  # Alice herself, still


def test_a_revoked_sessions_key_is_refused_at_once(s3: Deployment) -> None:
    body = {"video": s3.video, "enrollment": 103, "block_seek": True}
    assert s3.api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    session = start(s3, 103)
    assert key_with(s3, session["media_query"]).status_code == 200
    seeks = [{"type": "SEEK_ATTEMPT", "payload": {"from": 0, "to": 3}}] * 3
    playback(s3.api, "events", {"token": session["token"], "events": seeks}, 103, 201)
    refused = key_with(s3, session["media_query"])
    assert (refused.status_code, refused.json()) == (403, {"detail": "session_inactive"})
    # No refresh either: its media URLs lapse with the ones it holds.
    renewed = playback(s3.api, "refresh", {"token": session["token"]}, 103, 409)
    assert renewed == {"detail": "session_inactive"}
