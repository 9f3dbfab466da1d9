"""The hostile corpus (tests/hostile_media.py) against the real probe, transcoder and upload flow,
on the local disk and on S3: playlists, concat scripts and SDP that name another tenant's
published segments or a listener on 127.0.0.1, a picture of absurd size, sources that outlast
the wall time, and a mutational fuzz of a valid MP4. Every answer is a refusal with a reason (409
over HTTP, ``TranscodeFailed`` from the worker), no connection reaches the listener, and nothing
of the other tenant's media ends up in a video."""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import av
import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.http.auth import mint
from academy_video.adapters.media import probe as probe_module
from academy_video.adapters.media.opening import open_source
from academy_video.adapters.media.probe import PROBE_LIMITS, PROBES_AT_ONCE, PyAvProbe, inspect
from academy_video.adapters.media.sandbox import Refusal
from academy_video.adapters.media.transcoder import PyAvTranscoder, TranscodeLimits
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.app.ports import ObjectStorage, TranscodeFailed
from academy_video.bootstrap import build
from academy_video.domain.video import outputs_prefix
from tests.hostile_media import (
    Hostile,
    corpus,
    external_reference,
    growing_frames,
    huge_frames,
    listening,
    mutations,
)
from tests.http.conftest import SECRET, SESSION, Api, sync_roster
from tests.media import make_video

from .test_storage import need_s3

FULL = os.environ.get("ACADEMY_VIDEO_RELIABILITY") == "full"
FUZZ_MUTANTS, FUZZ_TRANSCODES = (3000, 200) if FULL else (300, 20)
VICTIM_SEGMENT = "hls/victim/videos/7/360p/seg_00000.ts"
# Every reason a source may be refused for, by the probe or the transcoder.
REASONS = {
    "unreadable",
    "unsupported_format",
    "no_video_stream",
    "duration_missing",
    "too_long",
    "too_many_streams",
    "frame_too_large",
    "timeout",
    "memory_limit",
    "cpu_limit",
    "file_limit",
    "crashed",
}
FAILURES = (
    "source_unreadable",
    "source_truncated",
    "decode_failed",
    "packaging_failed",
    "no_segments",
    "no_picture_for_thumbnail",
    *REASONS,
)


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A published MPEG-TS segment of the victim tenant's lecture."""
    directory = tmp_path_factory.mktemp("victim")
    source = make_video(directory / "lecture.mp4", seconds=4, size=(320, 240))
    target = directory / "seg.ts"
    with av.open(str(source)) as given, av.open(str(target), "w", format="mpegts") as out:
        stream = out.add_stream_from_template(given.streams.video[0])
        for packet in given.demux(given.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return target.read_bytes()


@pytest.fixture
def local(tmp_path: Path, segment: bytes) -> LocalDiskStorage:
    storage = LocalDiskStorage(
        tmp_path / "objects", base_url="http://x", secret="s", max_bytes=10**9
    )
    storage.path(VICTIM_SEGMENT).parent.mkdir(parents=True)
    storage.path(VICTIM_SEGMENT).write_bytes(segment)
    return storage


@pytest.fixture
def s3(tmp_path: Path, segment: bytes) -> S3ObjectStorage:
    name = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=need_s3()).create_bucket(Bucket=name)
    storage = S3ObjectStorage(name, endpoint_url=need_s3())
    victim = tmp_path / "victim.ts"
    victim.write_bytes(segment)
    storage.put_file(VICTIM_SEGMENT, victim, "video/mp2t")
    return storage


def stored(storage: ObjectStorage, case: Hostile, tmp_path: Path) -> str:
    """The case uploaded as the attacker's source; returns its key."""
    extension = case.filename.rsplit(".", 1)[-1]
    key = f"videos/attacker/10/{uuid.uuid4()}.{extension}"
    file = tmp_path / f"{case.name}.{extension}"
    file.write_bytes(case.content)
    storage.put_file(key, file, "application/octet-stream")
    return key


def root_of(storage: ObjectStorage) -> Path:
    return storage.root if isinstance(storage, LocalDiskStorage) else Path("/nonexistent")


@pytest.mark.parametrize("where", ["local", "s3"])
def test_no_playlist_script_or_sdp_is_probed_and_nothing_they_name_is_opened(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    storage: ObjectStorage = request.getfixturevalue(where)
    probe = PyAvProbe()
    with listening() as listener:
        for case in corpus(root_of(storage), VICTIM_SEGMENT, listener):
            key = stored(storage, case, tmp_path)
            result = probe.probe(storage.source_url(key, 600))
            assert not result.ok and result.reason in case.reasons, (case.name, result)
    assert listener.connections == []


@pytest.mark.parametrize("where", ["local", "s3"])
def test_the_worker_fails_each_of_them_with_a_reason_and_publishes_nothing(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    storage: ObjectStorage = request.getfixturevalue(where)
    transcoder = PyAvTranscoder(storage, scratch_root=tmp_path)
    with listening() as listener:
        for number, case in enumerate(corpus(root_of(storage), VICTIM_SEGMENT, listener), 1):
            key = stored(storage, case, tmp_path)
            with pytest.raises(TranscodeFailed) as failed:
                transcoder.transcode(video_id=number, tenant="attacker", source_key=key)
            assert str(failed.value).startswith(FAILURES), (case.name, failed.value)
            assert storage.head(f"{outputs_prefix('attacker', number)}master.m3u8") is None
    assert listener.connections == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("academy-video")] == []


def test_a_picture_of_absurd_size_is_refused_before_it_is_decoded(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    huge = huge_frames(tmp_path / "huge.mkv", frames=3)
    local.put_file("videos/attacker/10/huge.mkv", huge, "video/x-matroska")
    assert PyAvProbe().probe(str(local.path("videos/attacker/10/huge.mkv"))).reason == (
        "frame_too_large"
    )
    with pytest.raises(TranscodeFailed, match=r"^frame_too_large$"):
        PyAvTranscoder(local, scratch_root=tmp_path).transcode(
            video_id=1, tenant="attacker", source_key="videos/attacker/10/huge.mkv"
        )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An HTTP address on 127.0.0.1 that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/lecture.mp4"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_probe_that_outlasts_its_wall_time_is_timeout(silent_server: str) -> None:
    probe = PyAvProbe(limits=replace(PROBE_LIMITS, wall_seconds=1.0))
    assert probe.probe(silent_server).reason == "timeout"


def test_a_transcode_that_outlasts_its_wall_time_is_timeout_and_publishes_nothing(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "long.mp4", seconds=20, size=(640, 360))
    local.put_file("videos/demo/10/long.mp4", source, "video/mp4")
    hurried = TranscodeLimits(open_seconds=0.5, base_seconds=0.0, time_factor=0.01)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    transcoder = PyAvTranscoder(local, scratch_root=scratch, remux=False, limits=hurried)
    with pytest.raises(TranscodeFailed, match=r"^timeout$"):
        transcoder.transcode(video_id=1, tenant="demo", source_key="videos/demo/10/long.mp4")
    assert local.head(f"{outputs_prefix('demo', 1)}master.m3u8") is None
    assert list(scratch.iterdir()) == []


def test_a_transcode_past_its_memory_is_memory_limit(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "big.mp4", seconds=2, size=(1920, 1080))
    local.put_file("videos/demo/10/big.mp4", source, "video/mp4")
    tight = TranscodeLimits(memory_bytes=256 * 1024 * 1024)
    transcoder = PyAvTranscoder(local, scratch_root=tmp_path, limits=tight)
    with pytest.raises(TranscodeFailed, match=r"^memory_limit$"):
        transcoder.transcode(video_id=1, tenant="demo", source_key="videos/demo/10/big.mp4")


def test_a_mutational_fuzz_of_a_valid_mp4_gets_an_answer_for_every_mutant(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    valid = make_video(tmp_path / "valid.mp4", seconds=2, size=(160, 120)).read_bytes()
    probe = PyAvProbe()
    accepted: list[str] = []
    for name, data in mutations(valid, FUZZ_MUTANTS):
        key = f"videos/demo/10/{name}.mp4"
        local.path(key).parent.mkdir(parents=True, exist_ok=True)
        local.path(key).write_bytes(data)
        result = probe.probe(str(local.path(key)))
        assert result.ok or result.reason in REASONS, (name, result)
        if result.ok:
            accepted.append(key)
    assert accepted, "no mutant kept a readable header: the fuzz reached no decoder"
    transcoder = PyAvTranscoder(local, scratch_root=tmp_path)
    for number, key in enumerate(accepted[:FUZZ_TRANSCODES], 1):
        outcome = transcoded(transcoder, number, key)
        assert outcome.startswith(FAILURES) or local.head(outcome) is not None, (key, outcome)


def transcoded(transcoder: PyAvTranscoder, number: int, key: str) -> str:
    """The published master's key, or the reason the transcode failed."""
    try:
        return transcoder.transcode(video_id=number, tenant="demo", source_key=key).hls_path
    except TranscodeFailed as failure:
        return str(failure)


# Over HTTP, on the embedded default ---------------------------------------------------------


@pytest.fixture
def attacked(tmp_path: Path, segment: bytes) -> Iterator[Api]:
    container = build(Settings(data_dir=tmp_path / "data", jwt_secret=SECRET))
    storage = container.storage
    assert isinstance(storage, LocalDiskStorage)
    storage.path(VICTIM_SEGMENT).parent.mkdir(parents=True)
    storage.path(VICTIM_SEGMENT).write_bytes(segment)
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


def test_over_http_every_hostile_upload_is_a_409_with_its_reason(attacked: Api) -> None:
    client, storage = attacked.client, attacked.app.storage
    assert isinstance(storage, LocalDiskStorage)
    bearer = {"Authorization": f"Bearer {mint(SECRET, role='staff', tenant='demo', user_id=2)}"}
    with listening() as listener:
        for case in corpus(storage.root, VICTIM_SEGMENT, listener):
            ticket = client.post(
                "/api/v1/videos/upload/init",
                headers=bearer,
                json={"session": SESSION, "title": case.name, "filename": case.filename},
            ).json()
            url = urlsplit(ticket["upload_url"])
            assert client.put(f"{url.path}?{url.query}", content=case.content).status_code == 200
            done = client.post(
                f"/api/v1/videos/{ticket['video']['id']}/upload/complete/", headers=bearer
            )
            assert done.status_code == 409, (case.name, done.text)
            reason = done.json()["detail"].removeprefix("invalid_media:")
            assert reason in case.reasons, (case.name, done.text)
            assert client.get("/health").status_code == 200
    assert listener.connections == []
    listed = client.get("/api/v1/videos/", headers=bearer).json()
    assert listed and all(video["status"] == "PENDING" for video in listed)


# HTTPS sources: the storage's certificate is checked --------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate, serving a valid MP4:
    (its URL, the certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "storage.invalid")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert = tmp_path / "cert.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private = tmp_path / "key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    served = tmp_path / "served"
    served.mkdir()
    make_video(served / "lecture.mp4", seconds=2)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, private)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/lecture.mp4", cert
    server.shutdown()
    server.server_close()


def test_an_https_source_is_read_only_from_a_peer_whose_certificate_checks_out(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A presigned URL goes to the storage over TLS: anyone in between with a certificate the
    system does not trust gets nothing read (nor the URL's credentials past the handshake)."""
    url, cert = tls_server
    with pytest.raises(Refusal, match="unreadable"):
        open_source(url)
    # The same server, trusted: the source opens (so the refusal above was the certificate's).
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with open_source(url) as container:
        assert container.streams.video


def test_a_burst_of_completions_is_told_to_come_back_not_queued(attacked: Api) -> None:
    """Probes at once per process are bounded: one more is 503 at once (a waiting request
    thread would hold the server's pool), and the video stays PENDING for another try."""
    client, probe = attacked.client, attacked.app.uploads.probe
    assert isinstance(probe, PyAvProbe)
    bearer = {"Authorization": f"Bearer {mint(SECRET, role='staff', tenant='demo', user_id=2)}"}
    ticket = client.post(
        "/api/v1/videos/upload/init",
        headers=bearer,
        json={"session": SESSION, "title": "Burst", "filename": "a.mp4"},
    ).json()
    url = urlsplit(ticket["upload_url"])
    video = make_video(attacked.app.settings.data_dir / "a.mp4", seconds=1).read_bytes()
    assert client.put(f"{url.path}?{url.query}", content=video).status_code == 200
    complete = f"/api/v1/videos/{ticket['video']['id']}/upload/complete/"
    held = [probe._slots.acquire(blocking=False) for _ in range(PROBES_AT_ONCE)]
    assert all(held)  # every slot taken, as by probes running
    try:
        busy = client.post(complete, headers=bearer)
        assert (busy.status_code, busy.json()["detail"]) == (503, "media_probe_busy")
    finally:
        for _ in held:
            probe._slots.release()
    assert client.post(complete, headers=bearer).json()["status"] == "UPLOADED"


def test_the_tail_scan_is_bounded_in_packets_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tail of empty or untimed packets used to read on until the probe's time ran out: every
    packet counts toward the bound, and past it the scan is inconclusive (the transcoder
    judges)."""
    whole = make_video(tmp_path / "whole.mp4", seconds=4)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(Refusal, match="unreadable"), av.open(str(cut)) as container:
        inspect(container, max_seconds=3600)  # the tail scan finds it cut short
    monkeypatch.setattr(probe_module, "TAIL_PACKETS", 2)
    with av.open(str(cut)) as container:
        assert inspect(container, max_seconds=3600)["duration"] == 4.0  # gave up: inconclusive


def test_a_mov_whose_samples_live_in_another_tenants_file_reads_nothing_of_it(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    """A container that names another file for its samples (a MOV data reference, the
    container form of a playlist): followed, it would decode the victim's lecture."""
    victim = local.path("videos/victim/10/lecture.mp4")
    victim.parent.mkdir(parents=True)
    make_video(victim, seconds=2, faststart=False)
    own = make_video(tmp_path / "own.mp4", seconds=2, faststart=False).read_bytes()
    crafted = tmp_path / "crafted.mov"
    crafted.write_bytes(external_reference(own, str(victim)))
    # The attack is real: a demuxer that follows data references decodes the victim's frames.
    following = {"enable_drefs": "1", "use_absolute_path": "1"}
    with av.open(str(crafted), options=following) as container:
        assert sum(1 for _ in container.decode(video=0)) == 50
    local.put_file("videos/attacker/10/crafted.mov", crafted, "video/quicktime")
    key = "videos/attacker/10/crafted.mov"
    assert not PyAvProbe().probe(str(local.path(key))).ok
    with pytest.raises(TranscodeFailed):
        PyAvTranscoder(local, scratch_root=tmp_path).transcode(
            video_id=1, tenant="attacker", source_key=key
        )


def test_pictures_that_grow_past_the_pixel_cap_midway_stop_the_decoder(
    local: LocalDiskStorage, tmp_path: Path
) -> None:
    """The header and the first pictures are small (the probe accepts them); the decoder itself
    refuses a picture past the cap when it comes (without the cap this source transcodes)."""
    key = "videos/attacker/10/grow.mkv"
    local.put_file(key, growing_frames(tmp_path / "grow.mkv"), "video/x-matroska")
    assert PyAvProbe().probe(str(local.path(key))).ok
    with pytest.raises(TranscodeFailed, match=r"^decode_failed at 2\.0 s"):
        PyAvTranscoder(local, scratch_root=tmp_path).transcode(
            video_id=1, tenant="attacker", source_key=key
        )
