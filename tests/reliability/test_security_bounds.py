"""Issue 17's bounds on the real stack (`serve` on PostgreSQL, Redis and S3, a `worker` process),
over HTTP: metric labels an anonymous caller cannot grow, CSV cells that never run as formulas,
tenants that share user ids kept apart in the session store and the playback token, a source
swapped behind a still-valid presigned URL never published, and no secret in either process's
log. The hostile uploads, the event flood and the key endpoint have their own tests
(test_hostile_uploads.py, test_security.py, test_media_keys.py)."""

from __future__ import annotations

import csv
import io
import random
import re
import string
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import jwt
import pytest

from academy_video.adapters.http.auth import ALGORITHM
from tests.http.test_serve_process import Server
from tests.media import make_video

from .conftest import (
    FULL,
    JWT_SECRET,
    LECTURE,
    S3_ENDPOINT,
    SESSION,
    TENANT,
    WORKER_TOKEN,
    Stack,
    ready_video,
    roster,
)
from .helpers import poll

OTHER = "other"  # a second tenant: directory ids of its own, the same user ids as TENANT's
OTHER_LECTURE, OTHER_SESSION, OTHER_ENROLLMENT = 2, 20, 2000
STANDARD_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
INVENTED_REQUESTS = 3000 if FULL else 300
FORMULA_NAMES = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")


@dataclass
class Deployment:
    stack: Stack
    server: Server
    video: int  # TENANT's, READY
    other_video: int  # OTHER's, READY
    students: list[tuple[int, int]]  # TENANT's (enrollment, user); OTHER's first shares its user

    def call(
        self, path: str, body: dict[str, Any], user: int, tenant: str = TENANT
    ) -> httpx.Response:
        return httpx.post(
            self.server.url + path,
            json=body,
            headers=self.stack.bearer("student", user, tenant),
            timeout=30,
        )

    def start(self, enrollment: int, user: int, video: int, tenant: str = TENANT) -> Any:
        body = {"video_id": video, "enrollment_id": enrollment, "device_id": "d"}
        return self.call("/api/v1/playback/start", body, user, tenant)


@pytest.fixture(scope="module")
def deployment(shared_stack: Stack) -> Deployment:
    """One server with a concurrency limit of one session per student; its READY videos are
    made before any test starts a worker (which would claim them)."""
    shared_stack.env["ACADEMY_VIDEO_MAX_SESSIONS"] = "1"
    server = shared_stack.serve()
    students = roster(shared_stack, server, 2)
    video = ready_video(shared_stack, server)
    with shared_stack.admin(server, OTHER) as http:
        puts = (
            (f"lectures/{OTHER_LECTURE}", {"title": "L"}),
            (f"sessions/{OTHER_SESSION}", {"lecture_id": OTHER_LECTURE}),
            (f"students/{OTHER_ENROLLMENT}", {"user_id": students[0][1]}),
            (
                f"enrollments/{OTHER_ENROLLMENT}",
                {"student_id": OTHER_ENROLLMENT, "lecture_id": OTHER_LECTURE, "status": "ACTIVE"},
            ),
            (
                "session-access",
                {"session_id": OTHER_SESSION, "enrollment_id": OTHER_ENROLLMENT, "granted": True},
            ),
        )
        for path, body in puts:
            answer = http.put(f"/api/v1/directory/{path}", json=body)
            assert answer.is_success, (path, answer.text)
    other_video = ready_video(shared_stack, server, tenant=OTHER, session=OTHER_SESSION)
    return Deployment(shared_stack, server, video, other_video, students)


def test_invented_methods_and_paths_add_no_metric_series(deployment: Deployment) -> None:
    """Each label value is a series kept for the process's life: methods outside the standard
    ones are counted as OTHER and unrouted paths as one route, so /metrics does not grow."""
    url = deployment.server.url
    rng = random.Random(17)

    def invented() -> str:
        return "".join(rng.choices(string.ascii_letters + "-_!", k=rng.randint(3, 12)))

    def random_path() -> str:
        return "/z" + "/".join(f"{rng.getrandbits(48):x}" for _ in range(rng.randint(1, 4)))

    def series(http: httpx.Client) -> set[str]:
        text = http.get(f"{url}/metrics").text
        return {line.rsplit(" ", 1)[0] for line in text.splitlines() if not line.startswith("#")}

    with httpx.Client(timeout=30) as http:
        # The kinds of request below (and /metrics itself) once, before counting.
        http.request("BREW", url + random_path())
        http.get(url + random_path())
        series(http)
        before = series(http)
        for n in range(INVENTED_REQUESTS):
            method = invented() if n % 2 else "GET"
            answer = http.request(method, url + random_path())
            assert answer.status_code in (404, 405), (method, answer.status_code)
        after = series(http)
    assert after == before, sorted(after ^ before)[:5]
    methods = {m for s in after for m in re.findall(r'method="([^"]*)"', s)}
    assert methods <= STANDARD_METHODS | {"OTHER"}, methods
    assert "OTHER" in methods


def test_exported_names_never_start_a_formula(deployment: Deployment) -> None:
    """A student named ``=HYPERLINK(...)`` (or ``+``, ``-``, ``@``, tab, CR first) is exported
    from PostgreSQL as text: the cell starts with a single quote."""
    stack, server = deployment.stack, deployment.server
    names: dict[int, str] = {}
    with stack.admin(server) as http:
        for n, name in enumerate(FORMULA_NAMES):
            enrollment, user = 3000 + n, 300_000 + n
            for path, body in (
                (f"students/{enrollment}", {"user_id": user, "name": name}),
                (
                    f"enrollments/{enrollment}",
                    {"student_id": enrollment, "lecture_id": LECTURE, "status": "ACTIVE"},
                ),
                (
                    "session-access",
                    {"session_id": SESSION, "enrollment_id": enrollment, "granted": True},
                ),
            ):
                assert http.put(f"/api/v1/directory/{path}", json=body).is_success, (path, name)
            token = deployment.start(enrollment, user, deployment.video).json()["token"]
            sent = deployment.call(
                "/api/v1/playback/events",
                {"token": token, "events": [{"type": "FOCUS_LOST", "payload": {"n": n}}]},
                user,
            )
            assert sent.status_code == 201, sent.text
            names[enrollment] = name

        def exported() -> list[dict[str, str]] | None:
            answer = http.get(
                "/api/v1/video-playback-events/export/",
                params={"video": deployment.video, "range": "all"},
            )
            assert answer.status_code == 200, answer.text
            rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
            return rows if {int(r["enrollment_id"]) for r in rows} >= names.keys() else None

        rows = poll(exported, 30, "every student's event in the export")
    for row in rows:
        enrollment = int(row["enrollment_id"])
        if enrollment in names:
            assert row["student_name"] == "'" + names[enrollment], row
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_tenants_sharing_a_user_id_are_kept_apart(deployment: Deployment) -> None:
    """User ids are each tenant's own: the concurrency limit (one session here), the playback
    token's binding and revocation are per tenant and user; a tenant claim that is not a slug
    (it would shape storage and session-store keys) is no identity."""
    enrollment, user = deployment.students[0]
    mine = deployment.start(enrollment, user, deployment.video)
    assert mine.status_code == 201, mine.text
    theirs = deployment.start(OTHER_ENROLLMENT, user, deployment.other_video, OTHER)
    assert theirs.status_code == 201, theirs.text  # the limit of one is not shared
    again = deployment.start(enrollment, user, deployment.video)
    assert again.status_code == 409, again.text  # it is in force

    token, other_token = mine.json()["token"], theirs.json()["token"]
    for path, body in (
        ("refresh", {"token": token}),
        ("heartbeat", {"token": token, "position": 1}),
        ("events", {"token": token, "events": [{"type": "FOCUS_LOST"}]}),
        ("end", {"token": token}),
    ):
        stolen = deployment.call(f"/api/v1/playback/{path}", body, user, OTHER)
        assert (stolen.status_code, stolen.json()) == (403, {"detail": "invalid_token"}), path

    assert deployment.call("/api/v1/playback/end", {"token": token}, user).status_code == 200
    ended = deployment.call("/api/v1/playback/heartbeat", {"token": token, "position": 2}, user)
    assert (ended.status_code, ended.json()) == (409, {"detail": "session_inactive"})
    beat = {"token": other_token, "position": 2}
    assert deployment.call("/api/v1/playback/heartbeat", beat, user, OTHER).status_code == 200

    for tenant in ("a/b", "../demo", "Demo", "a:b", "{demo}", "a b", "", "x" * 64):
        claims = {"sub": "1", "role": "admin", "tenant": tenant, "exp": 2**31}
        bearer = jwt.encode(claims, JWT_SECRET, algorithm=ALGORITHM)
        answer = httpx.get(
            f"{deployment.server.url}/api/v1/videos/",
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=30,
        )
        assert (answer.status_code, answer.json()) == (401, {"detail": "not_authenticated"}), tenant


def test_a_source_swapped_after_complete_is_not_published(deployment: Deployment) -> None:
    """S3 cannot revoke the presigned upload URL: the uploader PUTs another (valid) lecture to it
    after `upload/complete` probed the first. The worker finds the ETag changed and fails the
    video; nothing is published."""
    stack, server = deployment.stack, deployment.server
    probed = make_video(stack.root / "probed.mp4", seconds=1).read_bytes()
    swapped = make_video(stack.root / "swapped.mp4", seconds=1, size=(176, 144)).read_bytes()
    with stack.admin(server) as http:
        ticket = http.post(
            "/api/v1/videos/upload/init",
            json={"session": SESSION, "title": "swap", "filename": "a.mp4"},
        ).json()
        video = int(ticket["video"]["id"])
        headers = {"Content-Type": ticket["content_type"]}
        for content in (probed, None, swapped):
            if content is None:
                done = http.post(f"/api/v1/videos/{video}/upload/complete")
                assert done.status_code == 200, done.text
                continue
            put = httpx.put(ticket["upload_url"], content=content, headers=headers, timeout=30)
            assert put.status_code == 200, put.text
        stack.worker("swap", server)

        def settled() -> dict[str, Any] | None:
            answer: dict[str, Any] = http.get(f"/api/v1/videos/{video}").json()
            return None if answer["status"] in ("UPLOADED", "PROCESSING") else answer

        settled_video = poll(settled, 120, "the worker settles the swapped video")
    assert (settled_video["status"], settled_video["error_reason"]) == ("FAILED", "source_changed")
    listed = boto3.client("s3", endpoint_url=S3_ENDPOINT).list_objects_v2(
        Bucket=stack.env["ACADEMY_VIDEO_S3_BUCKET"], Prefix=f"hls/{TENANT}/videos/{video}/"
    )
    assert listed["KeyCount"] == 0, [o["Key"] for o in listed.get("Contents", [])]


def test_no_secret_reaches_the_logs(deployment: Deployment) -> None:
    """After the tests above (and hostile steps of its own: credentials put where the access
    line logs them, a source the probe refuses, read by presigned URL), neither the server's
    log nor a worker's holds a bearer JWT, a playback token, the worker token, a configured
    secret or a presigned signature."""
    stack, server = deployment.stack, deployment.server
    bearer = stack.bearer("admin", 1)
    admin_jwt = bearer["Authorization"].removeprefix("Bearer ")
    enrollment, user = deployment.students[1]
    started = deployment.start(enrollment, user, deployment.video)
    assert started.status_code == 201, started.text
    token = started.json()["token"]
    with httpx.Client(base_url=server.url, headers=bearer, timeout=30) as http:
        ticket = http.post(
            "/api/v1/videos/upload/init",
            json={"session": SESSION, "title": "junk", "filename": "a.mp4"},
        ).json()
        query = ticket["upload_url"].split("?", 1)[1]
        (signature,) = re.findall(r"X-Amz-Signature=(\w+)", query)
        # A careless client's credentials in paths, which access lines show.
        for n, sent_path in enumerate(
            (
                f"/api/v1/videos/{admin_jwt}",
                f"/api/v1/playback/heartbeat/{token}/{WORKER_TOKEN}",
                f"/api/v1/videos/upload/{query}",
            )
        ):
            http.post(sent_path, json={"token": token}, headers={"X-Request-ID": f"secrets-{n}"})
        put = httpx.put(ticket["upload_url"], content=b"\x00junk" * 999, timeout=30)
        assert put.status_code == 200, put.text
        refused = http.post(  # the probe reads the source by presigned URL, and refuses it
            f"/api/v1/videos/{ticket['video']['id']}/upload/complete",
            headers={"X-Request-ID": "secrets-3"},
        )
        assert refused.status_code == 409, refused.text
    assert server.log is not None
    log = server.log
    marks = [f'"secrets-{n}"' for n in range(4)]
    poll(lambda: all(m in log.read_text() for m in marks), 10, "the access lines written")

    secrets = [admin_jwt, token, WORKER_TOKEN, JWT_SECRET, signature]
    secrets += [stack.env[f"ACADEMY_VIDEO_{n}_SECRET"] for n in ("PLAYBACK_TOKEN", "CDN_SIGNING")]
    for path in [log, *sorted(stack.root.glob("worker-*.log"))]:
        text = path.read_text()
        shown = [secret[:12] for secret in secrets if secret in text]
        assert not shown, (path.name, shown)
        assert not re.search(r"eyJ[\w-]{8,}\.[\w-]{8,}", text), path.name  # any JWT or token
        assert not re.search(r"(?i)(x-amz-signature|sig)=(?!\[redacted\])", text), path.name
