"""The transcript index on both read-model stores (SQLite's FTS5, PostgreSQL's pg_trgm): Korean
and English queries, the tenant, published tracks only, and a rebuild that reads the files
again and gives the same rows (a replaced file's old version is gone by then)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from academy_video.adapters.cli import main as cli
from academy_video.adapters.sql.transcript_tables import transcript_cues
from academy_video.app.captions import CaptionChange, CueEdit
from academy_video.bootstrap import Adapters, Container
from academy_video.domain.policy import VideoDefaults
from tests.caption_corpus import ENGLISH, KOREAN, timed, vtt
from tests.fakes.media import InMemoryObjectStorage

from .conftest import Deployment


def video(app: Container, video_id: int, tenant: str = "demo") -> None:
    app.videos.register(
        video_id=video_id,
        tenant=tenant,
        session_id=1,
        title=f"Video {video_id}",
        file_key=f"videos/{tenant}/1/{video_id}.mp4",
        order=video_id,
        defaults=VideoDefaults(),
    )
    app.videos.confirm_upload(video_id, size=10, probe={"duration": 60.0})


def track(
    app: Container, video_id: int, texts: list[str], language: str, *, tenant: str = "demo"
) -> None:
    app.captions.upload(
        tenant=tenant,
        video_id=video_id,
        data=vtt(timed(texts)).encode(),
        language=language,
        label=language,
        kind="subtitles",
        replace=app.captions.videos.get(video_id).captions.find(language) is not None,
    )


def found(app: Container, q: str, tenant: str = "demo") -> list[tuple[int, str, int, str]]:
    assert app.transcripts is not None
    return [
        (r.video_id, r.language, r.start_ms, r.snippet)
        for r in app.transcripts.search(tenant=tenant, user_id=1, staff=True, query=q)
    ]


def indexed(app: Container) -> list[tuple[object, ...]]:
    assert app.engine is not None
    with app.engine.connect() as conn:
        query = select(transcript_cues).order_by(transcript_cues.c.track_id, "cue_index")
        return [tuple(row) for row in conn.execute(query)]


def test_the_index_on_the_store_and_after_a_rebuild(deployment: Deployment) -> None:
    storage = InMemoryObjectStorage()
    app = deployment.start(adapters=Adapters(storage=storage))
    for video_id in (1, 2, 3):
        video(app, video_id)
    video(app, 4, tenant="other")
    track(app, 1, KOREAN, "ko")
    track(app, 2, ENGLISH, "en")
    track(app, 3, ["초안입니다 limits"], "ko")  # a draft: never indexed
    track(app, 4, KOREAN, "ko", tenant="other")
    publish = CaptionChange(published=True)
    for video_id, language in ((1, "ko"), (2, "en")):
        app.captions.change(tenant="demo", video_id=video_id, language=language, change=publish)
    app.captions.change(tenant="other", video_id=4, language="ko", change=publish)
    # A published track's file replaced, then edited: two versions removed from the storage.
    track(app, 2, [*ENGLISH[:2], "Questions? Raise your hand."], "en")
    app.captions.change(
        tenant="demo",
        video_id=2,
        language="en",
        change=CaptionChange(edits=(CueEdit(0, "Hello, <b>limits</b> & series."),)),
    )

    assert found(app, "극한을") == [(1, "ko", 2000, "오늘은 <mark>극한을</mark> 배웁니다.")]
    assert [hit[:3] for hit in found(app, "질문")] == [(1, "ko", 4000)]  # two syllables
    assert found(app, "초안") == []
    assert found(app, "LIMITS") == [
        (2, "en", 0, "Hello, <mark>limits</mark> &amp; series."),
        (2, "en", 2000, "Today: <mark>limits</mark>."),
    ]
    assert found(app, "raise your") == [(2, "en", 4000, "Questions? <mark>Raise your</mark> hand.")]
    assert [hit[0] for hit in found(app, "극한을", tenant="other")] == [4]

    live = indexed(app)
    assert app.projector is not None
    app.projector.rebuild()
    assert indexed(app) == live

    app.captions.change(
        tenant="demo", video_id=1, language="ko", change=CaptionChange(published=False)
    )
    app.projector.rebuild()
    assert found(app, "극한을") == []
    app.captions.remove(tenant="demo", video_id=2, language="en")
    assert found(app, "limits") == []


def test_the_cli_rebuild_reads_the_files_from_the_settings_storage(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = deployment.start()  # the settings' storage: files under the data directory
    video(app, 7)
    track(app, 7, KOREAN, "ko")
    app.captions.change(
        tenant="demo", video_id=7, language="ko", change=CaptionChange(published=True)
    )
    live = indexed(app)
    assert len(live) == len(KOREAN)
    assert app.engine is not None
    with app.engine.begin() as conn:
        conn.execute(transcript_cues.delete())
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    assert cli(["projections", "rebuild"]) == 0
    assert indexed(app) == live
