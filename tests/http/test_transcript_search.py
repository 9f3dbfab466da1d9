"""Transcript search over HTTP on the embedded default (SQLite, FTS5 trigram): scoping by
tenant, by what a student may play, published tracks only; Korean and English; escaped
snippets; the bounds of every parameter; the rate."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.domain.transcript_search import MAX_LIMIT, MAX_QUERY_CHARS
from tests.caption_corpus import ENGLISH, KOREAN, srt, timed, vtt

from .conftest import LECTURE, OTHER_SESSION, SESSION, Api

URL = "/api/v1/search/transcripts"


def captioned(
    api: Api,
    texts: list[str],
    *,
    language: str = "ko",
    title: str = "Limits",
    publish: bool = True,
    tenant: str = "demo",
    session: int | None = None,
) -> int:
    video = api.ready_video(title=title, tenant=tenant, **({"session": session} if session else {}))
    created = api.call(
        "POST",
        f"/api/v1/videos/{video}/captions/",
        role="staff",
        tenant=tenant,
        files={"file": ("a.vtt", vtt(timed(texts)).encode(), "text/vtt")},
        data={"language": language},
    )
    assert created.status_code == 201, created.text
    if publish:
        published = api.call(
            "PATCH",
            f"/api/v1/videos/{video}/captions/{language}",
            tenant=tenant,
            json={"published": True},
        )
        assert published.status_code == 200, published.text
    return video


def search(api: Api, q: str, role: Any = "staff", user: int | None = None, **params: Any) -> Any:
    response = api.call("GET", URL, role=role, user=user, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_korean_and_english_queries_find_the_cue_and_its_time(api: Api) -> None:
    korean = captioned(api, KOREAN, title="극한")
    english = captioned(api, ENGLISH, language="en", title="Limits")
    assert search(api, "극한을") == [
        {
            "video_id": korean,
            "session_id": SESSION,  # where a student's player finds the video to play
            "title": "극한",
            "language": "ko",
            "start_ms": 2000,
            "snippet": "오늘은 <mark>극한을</mark> 배웁니다.",
        }
    ]
    assert search(api, "질문")[0]["start_ms"] == 4000  # two syllables: shorter than a trigram
    hits = search(api, "LIMITS")  # case-insensitive
    assert [(h["video_id"], h["language"], h["snippet"]) for h in hits] == [
        (english, "en", "Today: <mark>limits</mark>.")
    ]
    assert search(api, "nothing like this") == []


def test_a_cue_with_markup_comes_back_escaped(api: Api) -> None:
    captioned(api, ["<b>bold</b> &lt;script&gt;alert(1)&lt;/script&gt; here"], language="en")
    (hit,) = search(api, "script")
    assert hit["snippet"] == (
        "bold &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; here"
    )
    assert "<script" not in hit["snippet"]


def test_only_published_tracks_are_found_and_unpublishing_removes_them(api: Api) -> None:
    draft = captioned(api, ["a draft about limits"], language="en", publish=False)
    assert search(api, "draft") == []
    api.call("PATCH", f"/api/v1/videos/{draft}/captions/en", json={"published": True})
    assert [h["video_id"] for h in search(api, "draft")] == [draft]
    api.call("PATCH", f"/api/v1/videos/{draft}/captions/en", json={"published": False})
    assert search(api, "draft") == []


def test_replacing_editing_removing_and_deleting_reindex(api: Api) -> None:
    video = captioned(api, ["first words"], language="en")
    replaced = api.call(
        "POST",
        f"/api/v1/videos/{video}/captions/",
        role="staff",
        files={"file": ("a.srt", srt(timed(["second words"])).encode(), "application/x-subrip")},
        data={"language": "en", "replace": "true"},
    )
    assert replaced.status_code == 201
    assert search(api, "first") == [] and len(search(api, "second")) == 1
    api.call(
        "PATCH",
        f"/api/v1/videos/{video}/captions/en",
        json={"cues": [{"index": 0, "text": "third"}]},
    )
    assert search(api, "second") == [] and len(search(api, "third")) == 1
    assert api.call("DELETE", f"/api/v1/videos/{video}/captions/en").status_code == 204
    assert search(api, "third") == []
    other = captioned(api, ["fourth words"], language="en")
    assert api.call("DELETE", f"/api/v1/videos/{other}/").status_code in (200, 202, 204)
    assert search(api, "fourth") == []


def test_another_tenants_tracks_are_never_found(api: Api) -> None:
    captioned(api, ["shared secret phrase"], language="en", tenant="other", session=OTHER_SESSION)
    assert search(api, "secret phrase") == []
    outsider = api.call("GET", URL, role="staff", tenant="other", user=8, params={"q": "secret"})
    assert [h["session_id"] for h in outsider.json()] == [OTHER_SESSION]


def test_a_student_finds_only_what_they_may_play_now(api: Api) -> None:
    free = captioned(api, ["derivative rules"], language="en", title="Free")
    blocked = captioned(api, ["derivative tricks"], language="en", title="Blocked")
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": blocked, "enrollment": 101, "rule": "blocked"},
    )
    assert [
        (h["video_id"], h["session_id"]) for h in search(api, "derivative", role="student")
    ] == [(free, SESSION)]
    assert [h["video_id"] for h in search(api, "derivative", role="student", user=1002)] == [
        free,
        blocked,
    ]
    assert len(search(api, "derivative")) == 2  # staff: all of them
    outsider = api.call("GET", URL, role="student", user=9999, params={"q": "derivative"})
    assert outsider.status_code == 200 and outsider.json() == []  # enrolled nowhere


def test_lecture_and_limit_narrow_the_answer(api: Api) -> None:
    for n in range(3):
        captioned(api, [f"series {n} of lectures"], language="en", title=f"S{n}")
    assert len(search(api, "series", limit=2)) == 2
    assert len(search(api, "series", lecture=LECTURE)) == 3
    assert search(api, "series", lecture=2) == []  # another tenant's lecture
    assert search(api, "series", lecture=999) == []


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"q": "a"}, "q: at least 2 characters"),
        ({}, "q: at least 2 characters"),
        ({"q": "   "}, "q: at least 2 characters"),
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, f"q: at most {MAX_QUERY_CHARS} characters"),
        ({"q": "ab\x07"}, "q: control or unassigned characters"),
        ({"q": "ok", "limit": 0}, f"limit: 1 to {MAX_LIMIT}"),
        ({"q": "ok", "limit": MAX_LIMIT + 1}, f"limit: 1 to {MAX_LIMIT}"),
        ({"q": "ok", "limit": -5}, f"limit: 1 to {MAX_LIMIT}"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(
    api: Api, params: dict[str, Any], detail: str
) -> None:
    response = api.call("GET", URL, role="staff", params=params)
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    "params", [{"q": "ok", "limit": "many"}, {"q": "ok", "lecture": 0}, {"q": "y" * 5000}]
)
def test_malformed_parameters_are_refused_before_the_use_case(
    api: Api, params: dict[str, Any]
) -> None:
    assert api.call("GET", URL, role="staff", params=params).status_code == 400


def test_wildcards_in_a_query_are_taken_literally(api: Api) -> None:
    captioned(api, ["100% sure", "a_b here"], language="en")
    assert [h["start_ms"] for h in search(api, "0%")] == [0]
    assert search(api, "%%") == []
    assert [h["start_ms"] for h in search(api, "a_b")] == [2000]
    assert search(api, "_b h")[0]["start_ms"] == 2000
    assert search(api, '"q"') == []  # a quote is text, not FTS5 syntax


def test_searches_are_rate_limited_per_user(api: Api) -> None:
    api.app.transcripts.per_minute = 3  # type: ignore[union-attr]
    for _ in range(3):
        assert api.call("GET", URL, role="staff", params={"q": "ok"}).status_code == 200
    assert api.call("GET", URL, role="staff", params={"q": "ok"}).status_code == 429
    assert api.call("GET", URL, role="admin", params={"q": "ok"}).status_code == 200
