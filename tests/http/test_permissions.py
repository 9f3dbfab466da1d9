"""Per-student permissions over HTTP."""

from typing import Any

import pytest

from .conftest import Api


def test_create_read_update_replace_delete(api: Api) -> None:
    video = api.ready_video()
    created = api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": 101, "rule": "once", "max_speed_override": 1.25},
    )
    assert created.status_code == 201
    body = created.json()
    assert {
        k: body[k]
        for k in (
            "video",
            "enrollment",
            "student_name",
            "rule",
            "max_speed_override",
            "is_override",
            "block_seek",
        )
    } == {
        "video": video,
        "enrollment": 101,
        "student_name": "Student 101",
        "rule": "once",
        "max_speed_override": 1.25,
        "is_override": False,  # the old model's default, when the client does not say
        "block_seek": False,
    }
    pid = body["id"]
    assert api.call("GET", f"/api/v1/video-permissions/{pid}/").json() == body
    assert api.call("GET", "/api/v1/video-permissions/", params={"video": video}).json() == [body]
    assert api.call("GET", "/api/v1/video-permissions/", params={"enrollment": 102}).json() == []

    patched = api.call(
        "PATCH", f"/api/v1/video-permissions/{pid}", json={"block_seek": True}
    ).json()
    assert (patched["rule"], patched["max_speed_override"], patched["block_seek"]) == (
        "once",
        1.25,
        True,
    )
    # A PUT changes what it names and keeps the rest, as the seed's serializer did.
    replaced = api.call(
        "PUT", f"/api/v1/video-permissions/{pid}", json={"rule": "blocked", "video": video}
    ).json()
    assert (replaced["rule"], replaced["max_speed_override"], replaced["block_seek"]) == (
        "blocked",
        1.25,
        True,
    )

    assert api.call("DELETE", f"/api/v1/video-permissions/{pid}/").status_code == 204
    assert api.call("GET", f"/api/v1/video-permissions/{pid}/").status_code == 404
    assert api.call("GET", "/api/v1/video-permissions/").json() == []
    # Set again later: allowed, as a fresh create.
    assert (
        api.call(
            "POST", "/api/v1/video-permissions/", json={"video": video, "enrollment": 101}
        ).status_code
        == 201
    )


def test_a_second_permission_for_the_same_student_and_video_is_409(api: Api) -> None:
    video = api.ready_video()
    body = {"video": video, "enrollment": 101}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    again = api.call(
        "POST", "/api/v1/video-permissions/", json={**body, "rule": "blocked"}, role="staff"
    )
    assert (again.status_code, again.json()) == (409, {"detail": "already_exists"})
    # The first create named no rule: the seed's default, once.
    assert [p["rule"] for p in api.call("GET", "/api/v1/video-permissions/").json()] == ["once"]


def test_a_create_keeps_the_is_override_it_is_given(api: Api) -> None:
    """As the old model: ``is_override`` is the client's on create (default false), and an
    update leaves it as it is."""
    video = api.ready_video()
    body = {"video": video, "enrollment": 101, "is_override": True}
    created = api.call("POST", "/api/v1/video-permissions/", json=body)
    assert (created.status_code, created.json()["is_override"]) == (201, True)
    pid = created.json()["id"]
    patched = api.call("PATCH", f"/api/v1/video-permissions/{pid}", json={"block_seek": True})
    assert (patched.json()["block_seek"], patched.json()["is_override"]) == (True, True)


def test_bulk_set_makes_overrides_for_each_student(api: Api) -> None:
    video = api.ready_video()
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": 101, "block_seek": True},
    )
    response = api.call(
        "POST",
        "/api/v1/video-permissions/bulk_set/",
        json={"video_id": video, "enrollments": [101, 102, 101], "rule": "blocked"},
    )
    assert response.status_code == 200
    result = response.json()
    assert [(p["enrollment"], p["rule"], p["is_override"]) for p in result] == [
        (101, "blocked", True),
        (102, "blocked", True),
    ]
    assert result[0]["block_seek"] is True  # the other fields of an existing permission stay
    default_rule = api.call(
        "POST", "/api/v1/video-permissions/bulk_set", json={"video_id": video, "enrollments": [103]}
    ).json()
    assert default_rule[0]["rule"] == "once"


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        (
            "/api/v1/video-permissions/",
            {"video": "{video}", "enrollment": 900},
            400,
            "unknown_enrollment",
        ),
        (
            "/api/v1/video-permissions/",
            {"video": "{video}", "enrollment": 101, "rule": "sometimes"},
            400,
            "rule: Invalid enum value 'sometimes'",
        ),
        (
            "/api/v1/video-permissions/",
            {"video": "{video}", "enrollment": 101, "max_speed_override": 0},
            400,
            "max_speed_override: Expected `float` > 0.0",
        ),
        (
            "/api/v1/video-permissions/",
            {"enrollment": 101},
            400,
            "Object missing required field `video`",
        ),
        ("/api/v1/video-permissions/", {"video": 424242, "enrollment": 101}, 404, "not_found"),
        (
            "/api/v1/video-permissions/bulk_set/",
            {"video_id": "{video}", "enrollments": [101, 999]},
            400,
            "unknown_enrollment",
        ),
        (
            "/api/v1/video-permissions/bulk_set/",
            {"video_id": "{video}", "enrollments": [0]},
            400,
            "enrollments[0]: Expected `int` >= 1",
        ),
    ],
)
def test_bad_permission_input(
    api: Api, path: str, body: dict[str, Any], status: int, detail: str
) -> None:
    video = api.ready_video()
    body = {k: video if v == "{video}" else v for k, v in body.items()}
    response = api.call("POST", path, json=body)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert api.call("GET", "/api/v1/video-permissions/").json() == []  # nothing half-stored


def test_a_permission_cannot_move_to_another_student(api: Api) -> None:
    video = api.ready_video()
    pid = api.call(
        "POST", "/api/v1/video-permissions/", json={"video": video, "enrollment": 101}
    ).json()["id"]
    response = api.call("PATCH", f"/api/v1/video-permissions/{pid}", json={"enrollment": 102})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "video and enrollment cannot change"},
    )
