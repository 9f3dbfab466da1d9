"""Permissions and progress as the old frontend used them: DRF ModelViewSets, whose clients send
whole objects back (``id``, ``student_name``, ``progress_percent``, …)."""

from __future__ import annotations

import pytest

from tests.http.conftest import Api
from tests.http.test_progress import watched

from .seed_answers import PERMISSION, PROGRESS
from .shapes import assert_same_shape

ALICE, BOB, CAROL = 101, 102, 103


def create(api: Api, body: dict) -> dict:  # type: ignore[type-arg]
    response = api.call("POST", "/api/v1/video-permissions/", json=body)
    assert response.status_code == 201, response.text
    assert_same_shape(response.json(), PERMISSION)
    return dict(response.json())


def test_create_with_and_without_is_override(api: Api) -> None:
    video = api.ready_video()
    plain = create(api, {"video": video, "enrollment": ALICE})
    assert (plain["rule"], plain["is_override"]) == ("once", False)  # the old model's defaults
    override = create(
        api, {"video": video, "enrollment": BOB, "rule": "blocked", "is_override": True}
    )
    assert (override["rule"], override["is_override"]) == ("blocked", True)
    listed = api.call("GET", f"/api/v1/video-permissions/?video={video}").json()
    assert [p["enrollment"] for p in listed] == [ALICE, BOB]
    for row in listed:
        assert_same_shape(row, PERMISSION)
    assert [
        p["id"] for p in api.call("GET", f"/api/v1/video-permissions?enrollment={BOB}").json()
    ] == [override["id"]]


def test_a_whole_permission_sent_back_on_create_and_update(api: Api) -> None:
    video = api.ready_video()
    # A client copying another student's permission: id and student_name come along.
    template = create(api, {"video": video, "enrollment": ALICE, "max_speed_override": 1.5})
    copied = create(api, {**template, "enrollment": BOB, "id": 999, "student_name": "Forged"})
    assert copied["id"] != 999 and copied["student_name"] == "Student 102"
    assert copied["max_speed_override"] == 1.5
    # An update with the object read, changed; read-only fields have no effect.
    sent = {**copied, "rule": "free", "id": 12345, "student_name": "x", "created_at": "x"}
    for method in ("PATCH", "PUT"):
        response = api.call(method, f"/api/v1/video-permissions/{copied['id']}/", json=sent)
        assert response.status_code == 200, response.text
        assert_same_shape(response.json(), PERMISSION)
        assert response.json() == {**copied, "rule": "free"}


def test_a_wrong_type_in_a_permission_is_still_400(api: Api) -> None:
    video = api.ready_video()
    response = api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": ALICE, "block_seek": "yes", "id": 3},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "block_seek: Expected `bool`, got `str`"},
    )


def test_bulk_set_as_the_old_view(api: Api) -> None:
    video = api.ready_video()
    response = api.call(
        "POST",
        "/api/v1/video-permissions/bulk_set/",
        json={"video_id": video, "enrollments": [ALICE, CAROL], "rule": "free", "extra": 1},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(p["enrollment"], p["rule"], p["is_override"]) for p in body] == [
        (ALICE, "free", True),
        (CAROL, "free", True),
    ]
    for row in body:
        assert_same_shape(row, PERMISSION)
    default = api.call(
        "POST", "/api/v1/video-permissions/bulk_set", json={"video_id": video, "enrollments": [BOB]}
    ).json()
    assert default[0]["rule"] == "once"  # the old view's default


def test_progress_as_the_old_serializer(api: Api) -> None:
    video = api.ready_video()
    progress = watched(api, video, ALICE, 10.7)
    listed = api.call("GET", f"/api/v1/video-progress/?video={video}&enrollment={ALICE}").json()
    assert len(listed) == 1
    assert_same_shape(listed[0], PROGRESS)
    assert listed[0]["last_position"] == 10  # an IntegerField: whole seconds
    detail = api.call("GET", f"/api/v1/video-progress/{progress}/").json()
    assert detail == listed[0]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_progress_correction_with_the_whole_object_sent_back(api: Api, method: str) -> None:
    video = api.ready_video()
    create(api, {"video": video, "enrollment": ALICE, "rule": "once"})
    progress = watched(api, video, ALICE, 10)
    read = api.call("GET", f"/api/v1/video-progress/{progress}/").json()
    sent = {**read, "completed": True, "progress": 1.0, "progress_percent": 3.0, "id": 7}
    response = api.call(method, f"/api/v1/video-progress/{progress}/", json=sent)
    assert response.status_code == 200, response.text
    assert_same_shape(response.json(), PROGRESS)
    assert (response.json()["id"], response.json()["completed"]) == (progress, True)
    # The old perform_update's once → free promotion, with is_override false.
    permission = api.call("GET", f"/api/v1/video-permissions/?video={video}").json()[0]
    assert (permission["rule"], permission["is_override"]) == ("free", False)
