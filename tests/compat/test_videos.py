"""Videos as the old frontend used them: list, detail, upload init/complete, update, retry."""

from __future__ import annotations

import pytest

from tests.http.conftest import LECTURE, SESSION, Api

from .conftest import CDN, old_worker
from .seed_answers import RETRY, STUDENT_VIDEO, UPLOAD_INIT, VIDEO
from .shapes import assert_same_shape


def uploaded(api: Api, *, seconds: str = "8.011") -> int:
    """A video through the old frontend's upload: init, the PUT of the file, complete."""
    init = api.call(
        "POST",
        "/api/v1/videos/upload/init/",
        json={"session": SESSION, "title": "Limits", "filename": "lecture.MP4"},
    )
    assert init.status_code == 201, init.text
    assert_same_shape(init.json(), UPLOAD_INIT)
    assert init.json()["video"]["status"] == "PENDING" and init.json()["video"]["duration"] is None
    video = init.json()["video"]["id"]
    api.storage.put(init.json()["file_key"], f"video:{seconds}".encode())
    done = api.call("POST", f"/api/v1/videos/{video}/upload/complete/")
    assert done.status_code == 200, done.text
    assert_same_shape(done.json(), VIDEO)
    return int(video)


def ready(api: Api, *, seconds: str = "8.011", legacy: bool = True) -> int:
    """Uploaded, then completed as the old workers did (under ``media/hls/…``)."""
    video = uploaded(api, seconds=seconds)
    prefix = "media/hls" if legacy else "hls"
    body = {"hls_path": f"{prefix}/demo/videos/{video}/master.m3u8", "duration": float(seconds)}
    path = f"/api/v1/internal/videos/{video}/processing-complete/"
    assert old_worker(api, "POST", path, json=body).json() == {"ok": True}
    return video


def test_duration_is_whole_seconds_truncated_in_every_video_answer(api: Api) -> None:
    video = ready(api, seconds="8.011")
    answers = [
        api.call("GET", f"/api/v1/videos/{video}/").json(),
        api.call("GET", f"/api/v1/videos/{video}").json(),  # without the trailing slash
        api.call("GET", f"/api/v1/videos/?session={SESSION}").json()[0],
        api.call("GET", f"/api/v1/lectures/{LECTURE}/sessions/{SESSION}/videos/{video}/").json(),
        api.call("GET", f"/api/v1/videos/{video}/stats/").json()["video"],
        api.call("PATCH", f"/api/v1/videos/{video}/", json={"title": "Limits"}).json(),
        api.call("GET", f"/api/v1/videos/student/?session={SESSION}", role="student").json()[0],
    ]
    for answer in answers:
        assert (answer["duration"], answer["duration_precise"]) == (8, 8.011)
    for answer in answers[:-1]:
        assert_same_shape(answer, VIDEO)
    assert_same_shape(answers[-1], STUDENT_VIDEO)


@pytest.mark.parametrize(("seconds", "whole"), [("0.9", 0), ("59.999", 59), ("61", 61)])
def test_duration_truncates_never_rounds(api: Api, seconds: str, whole: int) -> None:
    video = uploaded(api, seconds=seconds)
    assert api.call("GET", f"/api/v1/videos/{video}/").json()["duration"] == whole


def test_the_list_filters_as_the_old_view_read_its_query(api: Api) -> None:
    video = ready(api)
    other = uploaded(api)
    listed = api.call("GET", f"/api/v1/videos/?session={SESSION}&status=READY&search=imi").json()
    assert [v["id"] for v in listed] == [video]
    assert {v["id"] for v in api.call("GET", "/api/v1/videos/").json()} == {video, other}


def test_the_ready_fallback_thumbnail_of_the_old_serializer(api: Api) -> None:
    # READY without a thumbnail of its own: media/hls/{tenant}/videos/{id}/thumbnail.jpg.
    video = ready(api)
    body = api.call("GET", f"/api/v1/videos/{video}/").json()
    fallback = f"{CDN}/media/hls/demo/videos/{video}/thumbnail.jpg?v="
    assert body["thumbnail_url"].startswith(fallback)
    assert body["thumbnail"] is None  # no ImageField of its own
    assert body["hls_url"].startswith(f"{CDN}/media/hls/demo/videos/{video}/master.m3u8?v=")
    # Not READY: no fallback.
    pending = uploaded(api)
    assert api.call("GET", f"/api/v1/videos/{pending}/").json()["thumbnail_url"] is None


def test_a_worker_thumbnail_wins_over_the_fallback(api: Api) -> None:
    video = uploaded(api)
    assert old_worker(api, "GET", "/api/v1/internal/video-worker/next/").status_code == 200
    body = {
        "hls_path": f"hls/demo/videos/{video}/master.m3u8",
        "thumbnail_key": f"hls/demo/videos/{video}/poster.jpg",
    }
    path = f"/api/v1/internal/video-worker/{video}/complete/"
    assert old_worker(api, "POST", path, json=body).status_code == 200
    answer = api.call("GET", f"/api/v1/videos/{video}/").json()
    assert answer["thumbnail_url"].startswith(f"{CDN}/hls/demo/videos/{video}/poster.jpg?v=")
    assert answer["thumbnail"] == answer["thumbnail_url"]


def test_no_cdn_no_thumbnail_url_as_the_old_serializer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.http.conftest import serving

    with serving(tmp_path) as api:
        video = ready(api)
        assert api.call("GET", f"/api/v1/videos/{video}/").json()["thumbnail_url"] is None


def test_an_update_with_the_whole_video_sent_back(api: Api) -> None:
    # The old frontend edits a video by sending back what it read, changed.
    video = ready(api)
    before = api.call("GET", f"/api/v1/videos/{video}/").json()
    sent = {
        **before,
        "title": "Limits, revised",
        "max_speed": 1.5,
        "session": SESSION,  # the serializer's write-only field
        "thumbnail": None,
        # Read-only here: none of these may take effect.
        "id": 999,
        "status": "FAILED",
        "hls_path": "hls/demo/videos/999/master.m3u8",
        "file_key": "videos/other/1/x.mp4",
        "duration": 5,
        "policy_version": 77,
        "created_at": "2000-01-01T00:00:00Z",
        "error_reason": "forged",
    }
    for method in ("PATCH", "PUT"):
        response = api.call(method, f"/api/v1/videos/{video}/", json=sent)
        assert response.status_code == 200, response.text
        after = response.json()
        assert_same_shape(after, VIDEO)
        assert (after["title"], after["max_speed"]) == ("Limits, revised", 1.5)
        unchanged = (
            "id",
            "status",
            "hls_path",
            "file_key",
            "duration",
            "created_at",
            "error_reason",
        )
        assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
        assert after["policy_version"] == 2  # the real policy change, once


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"title": 5}, "title: Expected `str`, got `int`"),
        ({"max_speed": "fast", "id": 1}, "max_speed: Expected `float`, got `str`"),
        ({"allow_skip": "yes", "status": "READY"}, "allow_skip: Expected `bool`, got `str`"),
        ({"max_speed": 17}, "max_speed: Expected `float` <= 16.0"),
    ],
)
def test_a_known_field_of_the_wrong_type_is_still_400(api: Api, body: dict, detail: str) -> None:  # type: ignore[type-arg]
    video = ready(api)
    response = api.call("PATCH", f"/api/v1/videos/{video}/", json=body)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_retry_answers_the_old_detail(api: Api) -> None:
    video = uploaded(api)
    response = api.call("POST", f"/api/v1/videos/{video}/retry/")
    assert response.status_code == 202
    assert_same_shape(response.json(), RETRY)
    ready_video = ready(api)
    refused = api.call("POST", f"/api/v1/videos/{ready_video}/retry/")
    assert (refused.status_code, refused.json()) == (400, {"detail": "Cannot retry"})


def test_upload_init_and_complete_refusals_as_the_old_app(api: Api) -> None:
    missing = api.call("POST", "/api/v1/videos/upload/init/", json={"session": SESSION})
    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": "session, title, filename required"},
    )
    # The old frontend's init carries more than the view read: ignored.
    init = api.call(
        "POST",
        "/api/v1/videos/upload/init",
        json={
            "session": SESSION,
            "title": "T",
            "filename": "a.mp4",
            "content_type": "video/mp4; codecs=avc1",
            "lecture": LECTURE,
            "size": 123,
        },
    )
    assert init.status_code == 201, init.text
    assert init.json()["content_type"] == "video/mp4"  # the old view cut the parameters too
    video = init.json()["video"]["id"]
    absent = api.call("POST", f"/api/v1/videos/{video}/upload/complete/")
    assert (absent.status_code, absent.json()) == (409, {"detail": "S3 object not found"})
    done = ready(api)
    again = api.call("POST", f"/api/v1/videos/{done}/upload/complete/")
    assert (again.status_code, again.json()) == (409, {"detail": "Invalid status: READY"})
