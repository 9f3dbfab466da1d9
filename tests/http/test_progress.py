"""Progress over HTTP: staff see the tenant's and correct it; a student sees only their own."""

from datetime import UTC, datetime, timedelta

from academy_video.domain.progress import Sample

from .conftest import STUDENTS, Api


def watched(api: Api, video: int, enrollment: int, seconds: float = 10) -> int:
    """Progress as two heartbeats ``seconds`` apart leave it (10 s: 10 % of 100 s); returns its
    public id."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    result = api.app.progress.record(
        video_id=video,
        enrollment_id=enrollment,
        tenant="demo",
        duration=100.0,
        max_rate=1.0,
        samples=[Sample("s", 0, start), Sample("s", seconds, start + timedelta(seconds=seconds))],
    )
    return int(result.progress_id)


def test_staff_list_the_tenants_progress_and_students_only_their_own(api: Api) -> None:
    video = api.ready_video()
    mine, theirs = watched(api, video, 101), watched(api, video, 102)
    listed = api.call("GET", "/api/v1/video-progress/", params={"video": video}).json()
    assert [p["id"] for p in listed] == [mine, theirs]
    assert listed[0]["progress"] == 0.1 and listed[0]["progress_percent"] == 10.0
    assert listed[0]["student_name"] == "Student 101" and listed[0]["last_position"] == 10.0
    assert [
        p["id"]
        for p in api.call("GET", "/api/v1/video-progress/", params={"enrollment": 102}).json()
    ] == [theirs]

    own = api.call("GET", "/api/v1/video-progress/", role="student", user=STUDENTS[101]).json()
    assert [p["id"] for p in own] == [mine]
    assert (
        api.call(
            "GET", f"/api/v1/video-progress/{mine}/", role="student", user=STUDENTS[101]
        ).status_code
        == 200
    )
    assert (
        api.call(
            "GET", f"/api/v1/video-progress/{theirs}/", role="student", user=STUDENTS[101]
        ).status_code
        == 404
    )
    assert api.call("GET", f"/api/v1/video-progress/{theirs}/", role="staff").status_code == 200


def test_a_manual_completion_promotes_once_to_free(api: Api) -> None:
    video = api.ready_video()
    pid = watched(api, video, 101)
    grant = api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": 101, "rule": "once"},
    ).json()
    corrected = api.call(
        "PATCH",
        f"/api/v1/video-progress/{pid}/",
        json={"completed": True, "progress": 1.0},
        role="staff",
    )
    assert corrected.status_code == 200
    assert (corrected.json()["completed"], corrected.json()["progress_percent"]) == (True, 100.0)
    promoted = api.call("GET", f"/api/v1/video-permissions/{grant['id']}").json()
    assert (promoted["rule"], promoted["is_override"]) == ("free", False)


def test_bad_corrections_are_400_and_change_nothing(api: Api) -> None:
    video = api.ready_video()
    pid = watched(api, video, 101)
    for body, detail in [
        ({"progress": 1.5}, "progress: Expected `float` <= 1.0"),
        ({"last_position": -1}, "last_position: Expected `float` >= 0.0"),
        ({"completed": "yes"}, "completed: Expected `bool`, got `str`"),
        ({"video": video + 1}, "video and enrollment cannot change"),
    ]:
        response = api.call("PATCH", f"/api/v1/video-progress/{pid}", json=body)
        assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert api.call("GET", f"/api/v1/video-progress/{pid}").json()["progress"] == 0.1
    assert (
        api.call("PATCH", "/api/v1/video-progress/999", json={"completed": True}).status_code == 404
    )
