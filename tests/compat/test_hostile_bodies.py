"""Ignoring unknown fields opens no door: the body limit still holds, what is skipped cannot
make a 500, and a known field of the wrong type is still the contract's 400."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.adapters.http.app import MAX_BODY_BYTES
from tests.http.conftest import SESSION, Api


def send(api: Api, method: str, path: str, body: str) -> Any:
    headers = {**api.headers(), "Content-Type": "application/json"}
    return api.client.request(method, path, content=body, headers=headers)


def paths(api: Api) -> list[tuple[str, str]]:
    video = api.ready_video()
    permission = api.call(
        "POST", "/api/v1/video-permissions/", json={"video": video, "enrollment": 101}
    ).json()["id"]
    return [
        ("PATCH", f"/api/v1/videos/{video}/"),
        ("PUT", f"/api/v1/videos/{video}/"),
        ("PATCH", f"/api/v1/video-permissions/{permission}/"),
        ("POST", "/api/v1/video-permissions/bulk_set/"),
        ("POST", "/api/v1/videos/upload/init/"),
    ]


def test_an_unknown_field_over_the_body_limit_is_413(api: Api) -> None:
    for method, path in paths(api):
        body = '{"title": "x", "junk": "' + "a" * MAX_BODY_BYTES + '"}'
        response = send(api, method, path, body)
        assert (response.status_code, response.json()) == (413, {"detail": "request_too_large"})


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_deeply_nested_unknown_field_is_a_400_never_a_500(api: Api, depth: int) -> None:
    for method, path in paths(api):
        body = '{"junk": ' + "[" * depth + "]" * depth + "}"
        response = send(api, method, path, body)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "JSON is malformed: nested too deeply"},
        ), path


def test_a_shallow_unknown_field_is_skipped(api: Api) -> None:
    for method, path in paths(api)[:3]:
        body = '{"junk": ' + "[" * 50 + "]" * 50 + ', "extra": {"a": {"b": null}}}'
        assert send(api, method, path, body).status_code == 200, path


def test_the_directory_still_refuses_unknown_fields(api: Api) -> None:
    # This service's own sync API: a misspelt field must not be silently dropped.
    body = {"lecture_id": 1, "title": "x", "tenant": "other"}
    response = api.call("PUT", f"/api/v1/directory/sessions/{SESSION}", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Object contains unknown field `tenant`"},
    )


def test_a_recursion_error_of_ours_is_a_500_not_malformed_json(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the body's decoding turns a RecursionError into 400 "nested too deeply": one raised
    by a use case is a bug of the service, answered 500."""

    def recursing(**_: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(api.app.playback.live, "refresh", recursing)
    response = api.call("POST", "/api/v1/playback/refresh/", json={"token": "t"}, role="student")
    assert (response.status_code, response.json()) == (500, {"detail": "internal_error"})
