"""Videos over HTTP: list, filter, search, detail, nested alias, edit, delete."""

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.app.ports import MIN_PART_BYTES

from .conftest import LECTURE, SESSION, Api, serving


def test_the_list_is_ordered_filtered_and_searched(api: Api) -> None:
    first = api.ready_video(title="Limits and Continuity")
    second = api.ready_video(title="Derivatives")
    pending = api.app.uploads.init(
        tenant="demo", session_id=SESSION, title="Integrals", filename="c.mp4"
    )
    api.call("PATCH", f"/api/v1/videos/{first}/", json={"order": 5})

    listed = api.call("GET", "/api/v1/videos/").json()
    assert [v["id"] for v in listed] == [second, pending.video.video_id, first]  # order, then id
    assert [
        v["id"] for v in api.call("GET", "/api/v1/videos", params={"status": "READY"}).json()
    ] == [
        second,
        first,
    ]
    assert [
        v["id"] for v in api.call("GET", "/api/v1/videos/", params={"search": "DERIV"}).json()
    ] == [second]
    assert api.call("GET", "/api/v1/videos/", params={"search": "100%"}).json() == []
    assert len(api.call("GET", "/api/v1/videos/", params={"session": SESSION}).json()) == 3
    assert api.call("GET", "/api/v1/videos/", params={"session": 99}).json() == []
    # Any role of the tenant reads.
    assert len(api.call("GET", "/api/v1/videos/", role="student").json()) == 3


def test_a_video_as_json(api: Api) -> None:
    video = api.ready_video()
    body = api.call("GET", f"/api/v1/videos/{video}").json()
    assert {k: body[k] for k in ("id", "session_id", "title", "status", "order", "duration")} == {
        "id": video,
        "session_id": SESSION,
        "title": "Limits",
        "status": "READY",
        "order": 1,
        "duration": 100.0,
    }
    assert body["file_key"].startswith(f"videos/demo/{SESSION}/") and body["file_key"].endswith(
        ".mp4"
    )
    assert (body["allow_skip"], body["max_speed"], body["show_watermark"]) == (False, 1.0, True)
    assert (body["policy_version"], body["source_type"], body["error_reason"]) == (1, "s3", "")
    assert body["hls_path"] == f"hls/demo/videos/{video}/master.m3u8"
    assert body["hls_url"] is None and body["thumbnail_url"] is None  # no CDN configured
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert set(body) >= {
        "id",
        "session_id",
        "title",
        "file_key",
        "duration",
        "order",
        "status",
        "allow_skip",
        "max_speed",
        "show_watermark",
        "thumbnail_url",
        "hls_path",
        "hls_url",
        "created_at",
        "updated_at",
        "source_type",
        "error_reason",
        "policy_version",
    }


def test_the_nested_alias_needs_the_right_lecture_and_session(api: Api) -> None:
    video = api.ready_video()
    ok = api.call("GET", f"/api/v1/lectures/{LECTURE}/sessions/{SESSION}/videos/{video}/")
    assert ok.status_code == 200 and ok.json()["id"] == video
    for path in (
        f"/api/v1/lectures/2/sessions/{SESSION}/videos/{video}",
        f"/api/v1/lectures/{LECTURE}/sessions/20/videos/{video}",
    ):
        assert api.call("GET", path).status_code == 404


def test_only_a_real_policy_change_bumps_the_policy_version(api: Api) -> None:
    video = api.ready_video()
    edited = api.call(
        "PATCH", f"/api/v1/videos/{video}/", json={"title": "Renamed", "order": 3}
    ).json()
    assert (edited["title"], edited["order"], edited["policy_version"]) == ("Renamed", 3, 1)
    assert (
        api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 1.0}).json()[
            "policy_version"
        ]
        == 1
    )
    changed = api.call(
        "PATCH", f"/api/v1/videos/{video}", json={"max_speed": 1.5, "allow_skip": True}
    ).json()
    assert (changed["max_speed"], changed["allow_skip"], changed["policy_version"]) == (
        1.5,
        True,
        2,
    )
    # Staff may edit too.
    assert (
        api.call(
            "PATCH", f"/api/v1/videos/{video}", role="staff", json={"show_watermark": False}
        ).json()["policy_version"]
        == 3
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"max_speed": 0}, "max_speed: Expected `float` > 0.0"),
        ({"max_speed": 16.5}, "max_speed: Expected `float` <= 16.0"),
        ({"max_speed": "fast"}, "max_speed: Expected `float`, got `str`"),
        ({"title": ""}, "title: Expected `str` of length >= 1"),
        ({"order": -1}, "order: Expected `int` >= 0"),
        ([1], "Expected `object`, got `array`"),
    ],
)
def test_a_bad_edit_is_400_naming_the_field_and_changes_nothing(
    api: Api, body: object, detail: str
) -> None:
    video = api.ready_video()
    before = api.call("GET", f"/api/v1/videos/{video}").json()
    response = api.call("PATCH", f"/api/v1/videos/{video}", json=body)
    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert api.call("GET", f"/api/v1/videos/{video}").json() == before


def test_deleting_removes_the_video_and_its_stored_media(api: Api) -> None:
    video = api.ready_video()
    source = api.call("GET", f"/api/v1/videos/{video}").json()["file_key"]
    # An upload never finished.
    unfinished = api.storage.start_multipart(source, "video/mp4", part_size=MIN_PART_BYTES)
    stored = [f"hls/demo/videos/{video}/360p/seg0.ts", f"keys/demo/videos/{video}/aes.key"]
    for key in stored:
        api.storage.put(key, b"x")
    assert api.storage.head(source) is not None
    response = api.call("DELETE", f"/api/v1/videos/{video}/")
    assert response.status_code == 204
    assert api.call("GET", f"/api/v1/videos/{video}").status_code == 404
    assert api.call("DELETE", f"/api/v1/videos/{video}").status_code == 404
    assert api.storage.head(source) is None
    assert [api.storage.head(key) for key in stored] == [None, None]  # the AES key too
    assert unfinished not in api.storage.uploads
    assert api.call("GET", "/api/v1/videos/").json() == []


def test_unknown_paths_and_methods(api: Api) -> None:
    assert api.call("GET", "/api/v1/videos/12345/").json() == {"detail": "not_found"}
    assert api.call("GET", "/api/v1/nothing-here").json() == {"detail": "not_found"}
    response = api.call("POST", "/api/v1/videos/1")
    assert (response.status_code, response.json()) == (405, {"detail": "method_not_allowed"})
    assert api.call("GET", "/api/v1/videos/99999999999999999999").status_code == 400


def test_health(api: Api) -> None:
    body = api.client.get("/health").json()
    assert body["status"] == "ok" and body["projections_behind"] == 0


def test_a_student_sees_the_sessions_ready_videos_and_whether_each_plays(api: Api) -> None:
    free, blocked = api.ready_video(title="Free"), api.ready_video(title="Blocked")
    api.app.uploads.init(tenant="demo", session_id=SESSION, title="Pending", filename="p.mp4")
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": blocked, "enrollment": 101, "rule": "blocked"},
    )

    def listed(user: int) -> list[tuple[int, bool, str | None]]:
        response = api.call(
            "GET", "/api/v1/videos/student/", role="student", user=user, params={"session": SESSION}
        )
        assert response.status_code == 200, response.text
        return [(v["id"], v["can_play"], v["reason"]) for v in response.json()]

    assert listed(1001) == [(free, True, None), (blocked, False, "blocked")]  # READY only
    assert listed(1002) == [(free, True, None), (blocked, True, None)]
    first = api.call(
        "GET", "/api/v1/videos/student", role="student", user=1001, params={"session": SESSION}
    ).json()[0]
    assert first["enrollment_id"] == 101 and first["title"] == "Free"

    api.call(
        "PUT",
        "/api/v1/directory/session-access",
        json={"session_id": SESSION, "enrollment_id": 102, "granted": False},
    )
    assert {r for _, _, r in listed(1002)} == {"no_session_access"}
    api.call(
        "PUT",
        "/api/v1/directory/enrollments/103",
        json={"student_id": 603, "lecture_id": 1, "status": "INACTIVE"},
    )
    assert {r for _, _, r in listed(1003)} == {"not_enrolled"}


def test_the_student_list_needs_a_session_and_a_student_record(api: Api) -> None:
    missing = api.call("GET", "/api/v1/videos/student/", role="student", user=1001)
    assert (missing.status_code, missing.json()) == (400, {"detail": "session is required"})
    unknown = api.call(
        "GET", "/api/v1/videos/student/", role="student", user=1001, params={"session": 20}
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": "not_found"},
    )  # another tenant's
    nobody = api.call(
        "GET", "/api/v1/videos/student/", role="student", user=5555, params={"session": SESSION}
    )
    assert (nobody.status_code, nobody.json()) == (403, {"detail": "student_profile_not_linked"})


def test_a_database_that_dropped_its_connections_is_503_not_500(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy.exc

    def down(*args: object, **kwargs: object) -> None:
        raise sqlalchemy.exc.OperationalError(
            "SELECT 1", {}, Exception("server closed the connection")
        )

    monkeypatch.setattr(type(api.client.app.state.reads), "videos", down)
    response = api.call("GET", "/api/v1/videos/")
    assert (response.status_code, response.json()) == (503, {"detail": "database_unavailable"})


def test_the_thumbnail_url_is_signed_for_the_edge_and_stable_for_a_day(tmp_path: Path) -> None:
    cdn = {"cdn_base_url": "https://cdn.example", "cdn_signing_secret": "edge-secret"}
    with serving(tmp_path, **cdn) as api:
        ticket = api.app.uploads.init(
            tenant="demo", session_id=SESSION, title="T", filename="a.mp4"
        )
        video = ticket.video.video_id
        api.storage.put(ticket.file_key, b"video:100")
        api.app.uploads.complete(tenant="demo", video_id=video)
        assert api.app.jobs.claim_next("w1") is not None
        thumb = f"hls/demo/videos/{video}/thumbnail.jpg"
        api.app.jobs.complete(
            video, "w1", hls_path=f"hls/demo/videos/{video}/master.m3u8", thumbnail_key=thumb
        )
        first = api.call("GET", f"/api/v1/videos/{video}").json()["thumbnail_url"]
        again = api.call("GET", f"/api/v1/videos/{video}", role="student").json()["thumbnail_url"]
    url = urlsplit(first)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"https://cdn.example/{thumb}"
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    signer = HmacUrlSigner(base_url="https://cdn.example", secret="edge-secret")
    now = int(time.time())
    assert signer.verify(url.path, exp=q["exp"], sig=q["sig"], kid=q["kid"], uid="", now=now)
    assert 86_400 <= int(q["exp"]) - now <= 2 * 86_400
    assert "uid" not in q and "v" in q  # for anyone; the seed's cache-buster kept
    assert again == first  # the same URL for every caller, all day: cacheable


def test_one_refused_cleanup_step_does_not_keep_the_others_from_running(api: Api) -> None:
    video = api.ready_video()
    source = api.call("GET", f"/api/v1/videos/{video}").json()["file_key"]
    key = f"keys/demo/videos/{video}/aes.key"
    api.storage.put(key, b"k")

    def refused(*args: object, **kwargs: object) -> int:
        raise PermissionError("not allowed to list multipart uploads")

    api.storage.abort_multipart = refused  # type: ignore[method-assign]
    assert api.call("DELETE", f"/api/v1/videos/{video}/").status_code == 204
    assert api.storage.head(source) is None and api.storage.head(key) is None
