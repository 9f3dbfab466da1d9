"""``POST /api/v1/videos/{id}/captions/auto`` on the embedded default: staff request an auto
track, its progress shows on the track while a caption worker (here a fake recogniser, in
process) transcribes it, and it comes back a draft or failed; roles and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.app.caption_worker import CaptionWorker
from academy_video.app.ports import Transcription
from academy_video.domain.caption_language import MAX_LANGUAGE_CHARS
from academy_video.domain.caption_style import TimedWord
from academy_video.domain.caption_tracks import MAX_LABEL_CHARS
from tests.fakes.speech import FakeSpeechRecogniser

from .conftest import Api

WORDS = (TimedWord("안녕하세요.", 500, 1400), TimedWord("반갑습니다.", 3000, 4000))


def auto(api: Api, video: int, role: Any = "staff", tenant: str = "demo", **body: Any) -> Any:
    path = f"/api/v1/videos/{video}/captions/auto"
    return api.call("POST", path, role=role, tenant=tenant, json={"language": "ko", **body})


def test_requested_then_transcribed_with_progress_on_the_way(api: Api) -> None:
    video = api.ready_video()
    requested = auto(api, video, label="자동 자막")
    assert requested.status_code == 202, requested.text
    body = requested.json()
    assert (body["status"], body["source"], body["label"], body["url"]) == (
        "processing",
        "auto",
        "자동 자막",
        "",
    )
    jobs = api.app.caption_jobs
    job = jobs.claim_next("cw")
    assert job is not None
    jobs.heartbeat(job, "cw", 37)
    listed = api.call("GET", f"/api/v1/videos/{video}/captions", role="staff").json()
    assert [(t["status"], t["progress"]) for t in listed] == [("processing", 37)]
    one = api.call("GET", f"/api/v1/videos/{video}/captions/ko", role="staff").json()
    assert one["progress"] == 37
    assert jobs.record(job, Transcription(WORDS, audio_seconds=5.0)) == "transcribed"
    done = api.call("GET", f"/api/v1/videos/{video}/captions/ko", role="staff").json()
    assert (done["status"], done["cue_count"], done["progress"]) == ("draft", 2, 0)
    file = api.call("GET", f"/api/v1/videos/{video}/captions/ko.vtt", role="staff")
    assert "반갑습니다." in file.text


def test_a_failure_is_shown_with_its_reason_and_may_be_requested_again(api: Api) -> None:
    video = api.ready_video()
    assert auto(api, video).status_code == 202
    key = api.app.videos.get(video).file_key
    recogniser = FakeSpeechRecogniser({key: Transcription(reason="no_audio_stream")})
    assert CaptionWorker(api.app.caption_jobs, recogniser, "cw").run_once() == "failed"
    track = api.call("GET", f"/api/v1/videos/{video}/captions/ko", role="staff").json()
    assert (track["status"], track["reason"]) == ("failed", "no_audio_stream")
    assert api.call("GET", f"/api/v1/videos/{video}").json()["status"] == "READY"
    assert auto(api, video).status_code == 202


def test_conflicts_and_roles(api: Api) -> None:
    video = api.ready_video()
    assert auto(api, video, role="student").status_code == 403
    assert auto(api, video, role="admin").status_code == 202
    again = auto(api, video)
    assert again.status_code == 409
    assert again.json()["detail"].startswith("caption_")
    assert auto(api, 999_999).status_code == 404
    assert auto(api, video, tenant="other").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "en"}, "language"),  # no recogniser for it
        ({"language": "x" * (MAX_LANGUAGE_CHARS + 1)}, "language"),
        ({"language": "not a tag"}, "language"),
        ({"label": "l" * (MAX_LABEL_CHARS + 1)}, "label"),
        ({"label": "bad\x00label"}, "label"),
        ({"kind": "karaoke"}, "kind"),
        ({"unknown": 1}, "unknown"),
        ({"language": 5}, "language"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    video = api.ready_video()
    refused = auto(api, video, **body)
    assert refused.status_code == 400, refused.text
    assert field in refused.json()["detail"]
    assert api.call("GET", f"/api/v1/videos/{video}/captions", role="staff").json() == []
