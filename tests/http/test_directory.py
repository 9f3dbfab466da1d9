"""Directory sync: idempotent upserts within the caller's tenant."""

from typing import Any

import pytest

from .conftest import LECTURE, SESSION, Api


def test_each_call_answers_the_stored_object_and_repeats_harmlessly(api: Api) -> None:
    for _ in range(2):
        assert api.call(
            "PUT", "/api/v1/directory/lectures/3/", json={"title": "Algebra"}
        ).json() == {
            "id": 3,
            "title": "Algebra",
        }
    assert api.call(
        "PUT", "/api/v1/directory/sessions/30", json={"lecture_id": 3, "title": "W"}
    ).json() == {"id": 30, "lecture_id": 3, "title": "W"}
    student = {
        "user_id": 77,
        "name": "Ada",
        "phone": "010",
        "parent_phone": "011",
        "school": "N",
        "grade": "3",
    }
    assert api.call("PUT", "/api/v1/directory/students/700", json=student).json() == {
        "id": 700,
        **student,
    }
    assert api.call(
        "PUT",
        "/api/v1/directory/enrollments/701",
        json={"student_id": 700, "lecture_id": 3, "status": "INACTIVE"},
    ).json() == {"id": 701, "student_id": 700, "lecture_id": 3, "status": "INACTIVE"}
    assert api.call(
        "PUT",
        "/api/v1/directory/session-access",
        json={"session_id": 30, "enrollment_id": 701, "granted": True},
    ).json() == {"session_id": 30, "enrollment_id": 701, "granted": True}
    assert api.call(
        "PUT",
        "/api/v1/directory/attendance/",
        json={"session_id": 30, "enrollment_id": 701, "status": "ONLINE"},
    ).json() == {"session_id": 30, "enrollment_id": 701, "status": "ONLINE"}
    assert api.app.directory.attendance(30, 701) == "ONLINE"
    assert api.app.directory.has_session_access(30, 701)


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("sessions/31", {"lecture_id": 99, "title": ""}, "unknown_lecture"),
        (
            "enrollments/702",
            {"student_id": 99, "lecture_id": LECTURE, "status": "ACTIVE"},
            "unknown_student",
        ),
        (
            "enrollments/702",
            {"student_id": 601, "lecture_id": 99, "status": "ACTIVE"},
            "unknown_lecture",
        ),
        (
            "session-access",
            {"session_id": 99, "enrollment_id": 101, "granted": True},
            "unknown_session",
        ),
        (
            "attendance",
            {"session_id": SESSION, "enrollment_id": 99, "status": "ONLINE"},
            "unknown_enrollment",
        ),
        # Another tenant's lecture is as unknown as a missing one.
        ("sessions/32", {"lecture_id": 2, "title": ""}, "unknown_lecture"),
    ],
)
def test_an_unknown_reference_is_400_unknown_kind(
    api: Api, path: str, body: dict[str, Any], detail: str
) -> None:
    response = api.call("PUT", f"/api/v1/directory/{path}", json=body)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        (
            "enrollments/101",
            {"student_id": 601, "lecture_id": 1, "status": "active"},
            "status: Invalid enum value 'active'",
        ),
        ("students/1", {"name": "no user id"}, "Object missing required field `user_id`"),
        ("students/1", {"user_id": 0}, "user_id: Expected `int` >= 1"),
        ("lectures/1", {"title": "x", "tenant": "other"}, "Object contains unknown field `tenant`"),
        (
            "attendance",
            {"session_id": 10, "enrollment_id": 101, "status": ""},
            "status: Expected `str` of length >= 1",
        ),
        ("lectures/0", {"title": "x"}, "lecture_id: Expected `int` >= 1"),
    ],
)
def test_malformed_input_is_400_naming_the_field(
    api: Api, path: str, body: dict[str, Any], detail: str
) -> None:
    response = api.call("PUT", f"/api/v1/directory/{path}", json=body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail), response.json()


def test_malformed_json_is_400(api: Api) -> None:
    response = api.call("PUT", "/api/v1/directory/lectures/1", content=b'{"title": ')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON is malformed")


def test_sessions_list_is_the_tenants_for_staff_and_the_students_own_for_a_student(
    api: Api,
) -> None:
    api.call("PUT", "/api/v1/directory/sessions/11", json={"lecture_id": LECTURE, "title": "W2"})
    listed = api.call("GET", "/api/v1/directory/sessions/", role="staff")
    assert listed.status_code == 200
    assert listed.json() == [
        {
            "id": SESSION,
            "lecture_id": LECTURE,
            "title": "Week 1",
            "lecture_title": "Calculus",
            "enrollment_id": None,
        },
        {
            "id": 11,
            "lecture_id": LECTURE,
            "title": "W2",
            "lecture_title": "Calculus",
            "enrollment_id": None,
        },
    ]
    # A student sees only the sessions their ACTIVE enrollment gives access to (not 11),
    # with the enrollment the player starts with; nothing of the other tenant.
    mine = api.call("GET", "/api/v1/directory/sessions", role="student", user=1002).json()
    assert mine == [
        {
            "id": SESSION,
            "lecture_id": LECTURE,
            "title": "Week 1",
            "lecture_title": "Calculus",
            "enrollment_id": 102,
        }
    ]
    api.call(
        "PUT",
        "/api/v1/directory/enrollments/102",
        json={"student_id": 602, "lecture_id": LECTURE, "status": "INACTIVE"},
    )
    assert api.call("GET", "/api/v1/directory/sessions", role="student", user=1002).json() == []
    assert [
        s["id"] for s in api.call("GET", "/api/v1/directory/sessions", tenant="other").json()
    ] == [20]
