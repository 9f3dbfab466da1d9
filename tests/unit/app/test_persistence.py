import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from academy_video.app.config import Settings
from academy_video.app.persistence import event_store_env, postgres_env
from academy_video.app.videos import Videos
from academy_video.domain.policy import VideoDefaults


def test_a_database_url_selects_postgres_with_compression() -> None:
    env = event_store_env(
        Settings(database_url="postgresql://av:p%40ss@db.local:6543/academy"), "Videos"
    )
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.local",
        "6543",
        "academy",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("av", "p@ss")
    assert env["COMPRESSOR_TOPIC"] == "eventsourcing.compressor:ZlibCompressor"


def test_without_a_database_url_each_application_gets_its_own_sqlite_file(tmp_path: Path) -> None:
    env = event_store_env(Settings(data_dir=tmp_path), "PlaybackSessions")
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert Path(env["SQLITE_DBNAME"]) == tmp_path / "events" / "playbacksessions.sqlite3"
    assert env["COMPRESSOR_TOPIC"]


@pytest.mark.parametrize("url", ["mysql://x@y/z", "postgresql://x@y", "nonsense"])
def test_a_database_url_that_is_not_postgres_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="ACADEMY_VIDEO_DATABASE_URL"):
        postgres_env(url)


def test_a_cipher_key_encrypts_what_is_stored(tmp_path: Path) -> None:
    import sqlite3

    from academy_video.app.persistence import new_cipher_key
    from academy_video.bootstrap import open_applications

    def store(settings: Settings) -> list[bytes]:
        [videos, *others] = open_applications(settings)
        assert isinstance(videos, Videos)
        register(videos, "Private lecture of Ada Lovelace")
        assert videos.get(1).title == "Private lecture of Ada Lovelace"  # reads back
        for app in [videos, *others]:
            app.close()
        with sqlite3.connect(settings.data_dir / "events" / "videos.sqlite3") as conn:
            return [row[0] for row in conn.execute("SELECT state FROM stored_events")]

    [plain] = store(Settings(data_dir=tmp_path / "plain"))
    assert b"Ada Lovelace" in zlib.decompress(plain)
    secret = Settings(data_dir=tmp_path / "secret", cipher_key=new_cipher_key())
    [sealed] = store(secret)
    assert b"Ada Lovelace" not in sealed
    with pytest.raises(zlib.error):
        zlib.decompress(sealed)
    # Without the key the events cannot be read at all; with another key neither.
    for key in ("", new_cipher_key()):
        [videos, *_] = open_applications(replace(secret, cipher_key=key))
        assert isinstance(videos, Videos)
        with pytest.raises(MapperDeserialisationError, match=r"decompressing|cipher tag"):
            videos.get(1)


def test_a_malformed_cipher_key_is_a_clear_startup_error() -> None:
    from academy_video.app.persistence import cipher_env

    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        cipher_env("not base64!")
    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        cipher_env("c2hvcnQ=")


def test_an_upload_confirmed_before_source_etags_were_kept_still_loads() -> None:
    """``Video.UploadConfirmed`` version 1 had no ``source_etag``: such an event is upcast to
    ``""`` (no version recorded, so a worker checks none) and the video loads as it was."""
    from academy_video.domain.video import Video, VideoStatus
    from tests.fakes.container import build_in_memory

    app = build_in_memory()
    videos = app.videos
    register(videos)
    videos.confirm_upload(1, size=10, probe={"duration": 3.0}, source_etag="abc")
    mapper = videos.mapper

    def as_stored_before(record: StoredEvent) -> StoredEvent:
        """The record as version 1 stored it: no ``source_etag``, no ``class_version``."""
        if not record.topic.endswith("Video.UploadConfirmed"):
            return record
        event = vars(mapper.to_domain_event(record))
        assert event["source_etag"] == "abc"
        old = {k: v for k, v in event.items() if k not in ("source_etag", *ORIGINATOR)}
        state = mapper.transcoder.encode(old)
        if mapper.compressor:
            state = mapper.compressor.compress(state)
        return replace(record, state=state)

    aggregate = None
    for record in videos.recorder.select_events(Video.create_id(1)):
        event = mapper.to_domain_event(as_stored_before(record))
        assert isinstance(event, Aggregate.Event)  # the mapper's type is the bare event protocol
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Video)
    assert (aggregate.status, aggregate.size, aggregate.source_etag) == (
        VideoStatus.UPLOADED,
        10,
        "",
    )
    app.close()


ORIGINATOR = ("originator_id", "originator_version")


def register(videos: Videos, title: str = "T") -> None:
    """Video 1 of tenant ``demo``, PENDING."""
    videos.register(
        video_id=1,
        tenant="demo",
        session_id=1,
        title=title,
        file_key="k",
        order=1,
        defaults=VideoDefaults(),
    )
