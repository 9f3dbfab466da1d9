"""The OpenAPI description at /schema covers every endpoint, and a schemathesis run against it
(bounded examples, admin and student tokens) finds no 5xx and no response breaking its schema."""

from __future__ import annotations

import atexit
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from academy_video.adapters.http.app import create_app
from academy_video.adapters.http.auth import mint
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, build
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage

from .conftest import SECRET, WORKER_TOKEN, Api, sync_roster


def test_the_schema_describes_every_endpoint(api: Api) -> None:
    described = api.client.get("/schema/openapi.json").json()["paths"]
    served = {
        route.path.replace(":int", "").replace(":str", "").replace(":uuid", "")
        for route in api.client.app.routes
        if not route.path.startswith("/schema")
        # Served but not the API's contract (/metrics: for Prometheus).
        and any(handler.resolve_include_in_schema() for handler in route.route_handlers)
    }
    assert served <= set(described), served - set(described)
    for path, operations in described.items():
        for method, operation in operations.items():
            if path.startswith("/api/v1/internal/"):
                assert operation.get("security") == [{"WorkerToken": []}], (method, path)
            elif path != "/health":
                assert operation.get("security") == [{"BearerToken": []}], (method, path)
                assert operation.get("summary") or operation.get("description"), (method, path)


def _fuzz_target() -> Any:
    """The app with a small academy in it, built once when the module is collected: schemathesis
    reads the schema at collection time. Its stores live in a temporary directory."""
    directory = tempfile.TemporaryDirectory(prefix="academy-video-fuzz-")
    atexit.register(directory.cleanup)
    storage = InMemoryObjectStorage()
    settings = Settings(data_dir=Path(directory.name), jwt_secret=SECRET, worker_token=WORKER_TOKEN)
    container = build(settings, Adapters(storage=storage, probe=FakeMediaProbe(storage)))
    app = create_app(container)
    with TestClient(app) as client:
        api = Api(client, container, storage)
        sync_roster(api)
        api.ready_video()
    return app


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", _fuzz_target())
TOKENS = {
    role: mint(SECRET, role=role, tenant="demo", user_id=user)  # type: ignore[arg-type]
    for role, user in (("admin", 1), ("student", 1001))
}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # CI runs the same examples every time; widen locally to explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_a_server_error_or_an_off_schema_answer(case: Any) -> None:
    for token in TOKENS.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}", "X-Worker-Token": WORKER_TOKEN},
            checks=[not_a_server_error, response_schema_conformance],
        )


def test_nul_characters_are_refused_before_any_database(api: Api) -> None:
    """Found by fuzzing on PostgreSQL, which refuses NUL in text: a 500, or an event stored that
    its read model could never hold."""
    for params, named in (
        ({"status": "READY", "search": "a\x00b"}, "search"),
        ({"a\x00b": "1"}, "ab"),
        ({"\x00": "1"}, "query"),
    ):
        query = api.call("GET", "/api/v1/videos/", params=params)
        assert (query.status_code, query.json()) == (
            400,
            {"detail": f"{named}: NUL characters are not allowed"},
        )
    body = api.call(
        "POST",
        "/api/v1/videos/upload/init",
        json={"session": 10, "title": "a\x00b", "filename": "a.mp4"},
    )
    assert body.status_code == 400 and "title" in body.json()["detail"]
