"""Who may call what: bearer JWTs, roles, and tenant isolation."""

import inspect
import time

import jwt
import pytest

from academy_video.adapters.http.auth import Role, requires

from .conftest import SECRET, Api


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        # Signed with another secret.
        "Bearer " + jwt.encode({"sub": "1", "role": "admin", "tenant": "demo", "exp": 2**31}, "x"),
        # Expired.
        "Bearer "
        + jwt.encode(
            {"sub": "1", "role": "admin", "tenant": "demo", "exp": int(time.time()) - 10}, SECRET
        ),
        # Unknown role, missing tenant, a sub that is not a user id, no expiry.
        "Bearer "
        + jwt.encode({"sub": "1", "role": "root", "tenant": "demo", "exp": 2**31}, SECRET),
        "Bearer " + jwt.encode({"sub": "1", "role": "admin", "exp": 2**31}, SECRET),
        "Bearer " + jwt.encode({"sub": "me", "role": "admin", "tenant": "d", "exp": 2**31}, SECRET),
        "Bearer " + jwt.encode({"sub": "1", "role": "admin", "tenant": "demo"}, SECRET),
        # Claims no column can hold: a user id past 2^53, a tenant code past 64 characters.
        "Bearer "
        + jwt.encode({"sub": str(2**70), "role": "admin", "tenant": "d", "exp": 2**31}, SECRET),
        "Bearer "
        + jwt.encode({"sub": "1", "role": "admin", "tenant": "t" * 65, "exp": 2**31}, SECRET),
        "Bearer "
        + jwt.encode({"sub": "1", "role": "admin", "tenant": "de\x00mo", "exp": 2**31}, SECRET),
        # Another algorithm than HS256 is not accepted, even with the right secret.
        "Bearer "
        + jwt.encode(
            {"sub": "1", "role": "admin", "tenant": "demo", "exp": 2**31}, SECRET, algorithm="HS512"
        ),
    ],
)
def test_bad_credentials_are_401_not_authenticated(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.client.get("/api/v1/videos/", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "not_authenticated"}


@pytest.mark.parametrize(
    "tenant",
    [
        "a/b",  # would shape storage keys: hls/a/b/videos/…
        "../demo",
        "..",
        "Demo",  # a second spelling of demo
        "dém",  # not ASCII
        "demo\u200b",  # an invisible character
        "-demo",
        "_demo",
        "d" * 64,  # the slug is at most 63
        "",
        "de\x00mo",
        "demo\n",
        "a:b",  # would shape session-store keys: {t:a:b:u:1}
        "{demo}",
        " demo",
        3,
        None,
    ],
)
def test_a_tenant_that_is_not_a_slug_is_401(api: Api, tenant: object) -> None:
    claims = {"sub": "1", "role": "admin", "tenant": tenant, "exp": 2**31}
    headers = {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}
    response = api.client.get("/api/v1/videos/", headers=headers)
    assert (response.status_code, response.json()) == (401, {"detail": "not_authenticated"})


@pytest.mark.parametrize("tenant", ["d", "d" * 63, "0", "demo-2_b", "9lives"])
def test_a_slug_tenant_is_accepted(api: Api, tenant: str) -> None:
    claims = {"sub": "1", "role": "admin", "tenant": tenant, "exp": 2**31}
    headers = {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}
    response = api.client.get("/api/v1/videos/", headers=headers)
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("method", "path", "role", "body"),
    [
        ("PUT", "/api/v1/directory/lectures/5", "staff", {"title": "x"}),
        ("PUT", "/api/v1/directory/lectures/5", "student", {"title": "x"}),
        ("PATCH", "/api/v1/videos/{video}", "student", {"title": "x"}),
        ("DELETE", "/api/v1/videos/{video}", "student", None),
        ("GET", "/api/v1/video-permissions/", "student", None),
        ("POST", "/api/v1/video-permissions/", "student", {"video": 1, "enrollment": 101}),
        (
            "POST",
            "/api/v1/video-permissions/bulk_set/",
            "student",
            {"video_id": 1, "enrollments": []},
        ),
        ("PATCH", "/api/v1/video-progress/1/", "student", {"completed": True}),
        # Student-only (the seed refused instructors: they preview through their own pages).
        ("GET", "/api/v1/videos/student/?session=10", "staff", None),
        ("GET", "/api/v1/videos/student/?session=10", "admin", None),
        (
            "POST",
            "/api/v1/playback/start/",
            "staff",
            {"video_id": 1, "enrollment_id": 101, "device_id": "d"},
        ),
        ("POST", "/api/v1/playback/refresh/", "admin", {"token": "t"}),
        ("POST", "/api/v1/playback/heartbeat/", "staff", {"token": "t"}),
        ("POST", "/api/v1/playback/events/", "staff", {"token": "t", "events": []}),
        ("POST", "/api/v1/playback/end/", "admin", {"token": "t"}),
    ],
)
def test_a_role_that_may_not_is_403_forbidden(
    api: Api, method: str, path: str, role: str, body: object
) -> None:
    video = api.ready_video()
    response = api.call(method, path.format(video=video), role=role, json=body)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.json() == {"detail": "forbidden"}


@pytest.mark.parametrize(
    ("method", "path", "role", "body"),
    [
        ("PUT", "/api/v1/directory/lectures/5", "staff", {"title": 5}),
        ("POST", "/api/v1/video-permissions/", "student", {"rule": "nope"}),
        ("PATCH", "/api/v1/video-permissions/1/", "student", {"max_speed_override": 99}),
        ("POST", "/api/v1/videos/upload/init/", "student", {"unknown": 1}),
        ("GET", "/api/v1/audit/videos/1/state?version=0", "staff", None),
    ],
)
def test_a_role_that_may_not_is_refused_before_its_input_is_read(
    api: Api, method: str, path: str, role: Role, body: object
) -> None:
    """The role guards run before the body and the parameters are parsed: 403, not 400."""
    response = api.call(method, path, role=role, json=body)
    assert (response.status_code, response.json()) == (403, {"detail": "forbidden"})
    assert api.call(method, path, role="admin", json=body).status_code == 400


def test_another_tenants_resources_are_404_and_never_listed(api: Api) -> None:
    theirs = api.ready_video(session=20, tenant="other")
    grant = api.call(
        "POST",
        "/api/v1/video-permissions/",
        tenant="other",
        json={"video": theirs, "enrollment": 900},
    ).json()
    for method, path, body in [
        ("GET", f"/api/v1/videos/{theirs}/", None),
        ("PATCH", f"/api/v1/videos/{theirs}/", {"title": "mine now"}),
        ("DELETE", f"/api/v1/videos/{theirs}/", None),
        ("GET", f"/api/v1/lectures/2/sessions/20/videos/{theirs}/", None),
        ("GET", f"/api/v1/video-permissions/{grant['id']}/", None),
        ("PATCH", f"/api/v1/video-permissions/{grant['id']}/", {"rule": "free"}),
        ("DELETE", f"/api/v1/video-permissions/{grant['id']}/", None),
        ("POST", "/api/v1/video-permissions/", {"video": theirs, "enrollment": 101}),
        ("POST", "/api/v1/video-permissions/bulk_set/", {"video_id": theirs, "enrollments": [101]}),
        ("PUT", "/api/v1/directory/lectures/2", {"title": "taken over"}),
    ]:
        response = api.call(method, path, json=body)
        assert (response.status_code, response.json()) == (404, {"detail": "not_found"}), path
    assert api.call("GET", "/api/v1/videos/").json() == []
    assert api.call("GET", "/api/v1/video-permissions/").json() == []
    # Nothing of theirs changed.
    mine = api.call("GET", f"/api/v1/videos/{theirs}/", tenant="other").json()
    assert mine["title"] == "Limits"
    assert (
        api.call("GET", f"/api/v1/video-permissions/{grant['id']}/", tenant="other").json()["rule"]
        == "once"  # created with the default; the PATCH above asked for free
    )


def test_role_guards_run_on_the_event_loop() -> None:
    """Litestar hands a plain-function guard to a worker thread on every request: the hot
    paths (heartbeat, events) must not pay that hop, so every guard is a coroutine function."""
    from academy_video.adapters.http.routes.playback import events, heartbeat
    from academy_video.adapters.http.routes.worker import worker_token

    guards = [*(heartbeat.guards or []), *(events.guards or []), requires("admin"), worker_token]
    assert len(guards) == 4
    assert all(inspect.iscoroutinefunction(guard) for guard in guards)
