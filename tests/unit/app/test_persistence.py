from pathlib import Path

import pytest

from academy_video.app.config import Settings
from academy_video.app.persistence import event_store_env, postgres_env


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
