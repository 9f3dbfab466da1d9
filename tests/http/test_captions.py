"""Caption routes on the embedded default: upload (multipart), list, change, the normalised
file, remove; roles; bounds on every field; refusals naming the file's line."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.domain.caption_rules import MAX_CAPTION_FILE_BYTES, MAX_CUE_EDITS
from tests.caption_corpus import KOREAN, korean_srt, many, srt, timed, vtt, with_bom

from .conftest import Api


def post(api: Api, video: int, data: bytes, role: Any = "staff", **form: str) -> Any:
    fields = {"language": "ko", "label": "한국어", "kind": "subtitles", **form}
    return api.call(
        "POST",
        f"/api/v1/videos/{video}/captions/",
        role=role,
        files={"file": ("lecture.srt", data, "application/x-subrip")},
        data=fields,
    )


def test_staff_upload_list_publish_and_read_the_normalised_file(api: Api) -> None:
    video = api.ready_video()
    created = post(api, video, korean_srt("cp949"))
    assert created.status_code == 201, created.text
    assert created.json() == {
        "language": "ko",
        "label": "한국어",
        "kind": "subtitles",
        "source": "uploaded",
        "status": "draft",
        "reason": "",
        "default": False,
        "version": 1,
        "cue_count": 3,
        "url": f"/api/v1/videos/{video}/captions/ko.vtt",
        "progress": 0,
    }
    file = api.call("GET", f"/api/v1/videos/{video}/captions/ko.vtt", role="staff")
    assert file.status_code == 200
    assert file.headers["content-type"].startswith("text/vtt")
    assert file.content == vtt(timed(KOREAN)).encode()
    changed = api.call(
        "PATCH",
        f"/api/v1/videos/{video}/captions/ko",
        json={"published": True, "default": True, "cues": [{"index": 0, "text": "반갑습니다"}]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["status"], body["default"], body["version"]) == ("published", True, 2)
    listed = api.call("GET", f"/api/v1/videos/{video}/captions", role="staff").json()
    assert [t["language"] for t in listed] == ["ko"]
    assert api.call("GET", f"/api/v1/videos/{video}/captions/ko").json()["version"] == 2
    removed = api.call("DELETE", f"/api/v1/videos/{video}/captions/ko", role="staff")
    assert removed.status_code == 204
    assert api.call("GET", f"/api/v1/videos/{video}/captions/ko.vtt").status_code == 404


def test_a_replacement_needs_replace_and_keeps_the_track(api: Api) -> None:
    video = api.ready_video()
    assert post(api, video, with_bom(vtt(timed(["a"])))).status_code == 201
    again = post(api, video, srt(timed(["b", "c"])).encode())
    assert again.status_code == 409
    assert again.json() == {"detail": "caption_exists: ko"}
    replaced = post(api, video, srt(timed(["b", "c"])).encode(), replace="true")
    assert replaced.status_code == 201, replaced.text
    assert (replaced.json()["version"], replaced.json()["cue_count"]) == (2, 2)


def test_students_may_not_use_the_routes(api: Api) -> None:
    video = api.ready_video()
    assert post(api, video, srt(timed(["a"])).encode(), role="student").status_code == 403
    for method, path in (
        ("GET", f"/api/v1/videos/{video}/captions"),
        ("GET", f"/api/v1/videos/{video}/captions/ko.vtt"),
        ("PATCH", f"/api/v1/videos/{video}/captions/ko"),
        ("DELETE", f"/api/v1/videos/{video}/captions/ko"),
    ):
        assert api.call(method, path, role="student", json={}).status_code == 403, path


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (srt([(0, 2000, "a"), (1000, 3000, "b")]).encode(), "invalid_caption: line 6: starts"),
        (srt([(5000, 1000, "a")]).encode(), "invalid_caption: line 2: ends (00:00:01.000) before"),
        (vtt([(0, 101_000, "a")]).encode(), "invalid_caption: line 3: ends (00:01:41.000) past"),
        (srt([(0, 1000, "<b>ok</b> <font>no</font>")]).encode(), "invalid_caption: line 2: markup"),
        ("1\n00:00:01,000 --> 00:00:02,000\nçà\n".encode("latin-1"), "invalid_caption: line 3:"),
        (b"\x00" * 10, "invalid_caption: line 1: not a cue"),
        (b"x" * (MAX_CAPTION_FILE_BYTES + 1), "caption_too_large"),
    ],
)
def test_a_bad_file_is_a_400_naming_its_line(api: Api, data: bytes, detail: str) -> None:
    video = api.ready_video()
    refused = post(api, video, data)
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"].startswith(detail)


def test_every_field_is_bounded(api: Api) -> None:
    video = api.ready_video()
    data = srt(timed(["a"])).encode()
    for form, detail in (
        ({"language": "x" * 40}, "language: not a BCP 47 tag"),
        ({"language": "../../etc"}, "language: not a BCP 47 tag"),
        ({"label": "l" * 101}, "label: 1 to 100 characters"),
        ({"kind": "karaoke"}, "kind: subtitles or captions"),
    ):
        refused = post(api, video, data, **form)
        assert refused.status_code == 400, (form, refused.text)
        assert refused.json()["detail"].startswith(detail), refused.text
    too_big = b"x" * (MAX_CAPTION_FILE_BYTES + 128 * 1024)
    assert post(api, video, too_big).status_code == 413
    assert post(api, video, data).status_code == 201
    path = f"/api/v1/videos/{video}/captions/ko"
    for body in (
        {"label": ""},
        {"kind": "karaoke"},
        {"cues": [{"index": -1, "text": "x"}]},
        {"cues": [{"index": 0, "text": "x" * 501}]},
        {"cues": [{"index": 0, "text": "x"}] * (MAX_CUE_EDITS + 1)},
        {"cues": [{"index": 3, "text": "x"}]},
        {"unknown": 1},
    ):
        refused = api.call("PATCH", path, json=body)
        assert refused.status_code == 400, (body, refused.text)
    assert api.call("GET", f"/api/v1/videos/{video}/captions/{'k' * 60}").status_code == 400


def test_ten_thousand_cues_upload(api: Api) -> None:
    video = long_video(api, seconds=10_001)
    created = post(api, video, srt(many(10_000)).encode("cp949"))
    assert created.status_code == 201, created.text
    assert created.json()["cue_count"] == 10_000


def long_video(api: Api, *, seconds: int) -> int:
    """READY, its probe's duration ``seconds`` (the fake probe reads it from the source)."""
    ticket = api.app.uploads.init(tenant="demo", session_id=10, title="Long", filename="a.mp4")
    video = ticket.video.video_id
    api.storage.put(ticket.file_key, f"video:{seconds}".encode())
    api.app.uploads.complete(tenant="demo", video_id=video)
    return video
