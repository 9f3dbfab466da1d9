"""Security on the real stack, over HTTP: one test per seed defect the contract lists (tenant
isolation has its own matrix: tests/http/test_tenant_matrix.py; summary over ACTIVE enrollments:
tests/http/test_analytics.py; the atomic session limit: tests/integration/test_playback_redis.py),
plus replayed, expired and forged tokens, path traversal, oversize bodies and the start limit."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import redis

from academy_video.adapters.http.auth import mint
from academy_video.app.tokens import TokenCodec
from tests.http.test_serve_process import Server

from .conftest import JWT_SECRET, WORKER_TOKEN, Stack, ready_video, roster

START_LIMIT = 5


@dataclass
class Live:
    stack: Stack
    server: Server
    video: int
    students: list[tuple[int, int]]

    def call(self, method: str, path: str, *, role: str = "admin", user: int = 1, **kw: Any) -> Any:
        headers = {**self.stack.bearer(role, user), **kw.pop("headers", {})}
        return httpx.request(method, self.server.url + path, headers=headers, timeout=30, **kw)

    def start(self, n: int = 0, device: str = "d") -> Any:
        enrollment, user = self.students[n]
        return self.call(
            "POST",
            "/api/v1/playback/start",
            role="student",
            user=user,
            json={"video_id": self.video, "enrollment_id": enrollment, "device_id": device},
        )


@pytest.fixture(scope="module")
def live(shared_stack: Stack) -> Live:
    shared_stack.env["ACADEMY_VIDEO_START_RATE_PER_MINUTE"] = str(START_LIMIT)
    server = shared_stack.serve()
    students = roster(shared_stack, server, 4)
    return Live(shared_stack, server, ready_video(shared_stack, server), students)


def test_legacy_processing_complete_needs_the_worker_token(live: Live) -> None:
    path = f"/api/v1/internal/videos/{live.video}/processing-complete/"
    body = {"hls_path": "hls/evil/master.m3u8", "duration": 1}
    for headers in ({}, {"X-Worker-Token": WORKER_TOKEN[:-1] + "x"}, {"X-Worker-Token": ""}):
        refused = httpx.post(live.server.url + path, json=body, headers=headers, timeout=30)
        assert refused.status_code == 401, headers
    video = live.call("GET", f"/api/v1/videos/{live.video}").json()
    assert video["hls_path"] != "hls/evil/master.m3u8"


def test_the_worker_token_is_compared_whole(live: Live) -> None:
    """Compared in constant time (hmac.compare_digest); here: a prefix or a longer token fails."""
    for token in (WORKER_TOKEN[:8], WORKER_TOKEN + "x", WORKER_TOKEN.upper()):
        answer = httpx.get(
            f"{live.server.url}/api/v1/internal/video-worker/next/",
            headers={"X-Worker-Token": token, "X-Worker-Id": "w"},
            timeout=30,
        )
        assert answer.status_code == 401, token


def test_students_cannot_write_permissions_or_progress(live: Live) -> None:
    enrollment, user = live.students[0]
    grant = live.call(
        "POST",
        "/api/v1/video-permissions/",
        role="student",
        user=user,
        json={"video": live.video, "enrollment": enrollment, "rule": "free"},
    )
    assert (grant.status_code, grant.json()) == (403, {"detail": "forbidden"})
    progress = live.call(
        "PATCH", "/api/v1/video-progress/1", role="student", user=user, json={"completed": True}
    )
    assert (progress.status_code, progress.json()) == (403, {"detail": "forbidden"})


def test_a_playback_token_works_only_for_its_user(live: Live) -> None:
    token = live.start(0).json()["token"]
    _, other = live.students[1]
    for path, body in (
        ("refresh", {"token": token}),
        ("heartbeat", {"token": token, "position": 1}),
        ("events", {"token": token, "events": [{"type": "FOCUS_LOST"}]}),
        ("end", {"token": token}),
    ):
        stolen = live.call(
            "POST", f"/api/v1/playback/{path}", role="student", user=other, json=body
        )
        assert (stolen.status_code, stolen.json()) == (403, {"detail": "invalid_token"}), path


def test_an_event_batch_is_two_redis_calls_whatever_its_size(live: Live) -> None:
    _, user = live.students[1]
    token = live.start(1).json()["token"]
    beat = {"token": token, "position": 0}
    assert live.call("POST", "/api/v1/playback/heartbeat", role="student", user=user, json=beat)
    client = redis.Redis.from_url(live.stack.env["ACADEMY_VIDEO_REDIS_URL"])

    def calls() -> int:
        # Round trips: the script calls (the commands a script runs are counted apart).
        # redis-py's sync answers are typed as maybe awaitable (one signature for both clients).
        stats = cast(dict[str, Any], client.info("commandstats"))
        return sum(
            int(stats.get(k, {}).get("calls", 0)) for k in ("cmdstat_evalsha", "cmdstat_eval")
        )

    before = calls()
    events = [{"type": "FOCUS_LOST"}] * 50
    answer = live.call(
        "POST",
        "/api/v1/playback/events",
        role="student",
        user=user,
        json={"token": token, "events": events},
    )
    assert answer.json() == {"stored": 50}
    # The seed made one call per client event; here one for the session's liveness and
    # versions, one for its per-minute event budget (the batch's cost in one script call).
    assert calls() - before == 2


def test_expired_forged_and_replayed_tokens_are_refused(live: Live) -> None:
    expired = mint(JWT_SECRET, role="admin", tenant="demo", user_id=1, ttl_seconds=-5)
    forged = mint("another-secret-of-at-least-32-bytes!", role="admin", tenant="demo", user_id=1)
    for bearer in (expired, forged, expired[:-2] + "xx"):
        answer = httpx.get(
            f"{live.server.url}/api/v1/videos/",
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=30,
        )
        assert (answer.status_code, answer.json()) == (401, {"detail": "not_authenticated"})
    _, user = live.students[2]
    token = live.start(2).json()["token"]
    codec = TokenCodec(live.stack.env["ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET"])
    claims = codec.decode(token, tenant="demo", user_id=user, now=0)
    stale = codec.encode(replace(claims, expires_at=1))
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for bad, detail in ((stale, "token_expired"), (tampered, "invalid_token")):
        answer = live.call(
            "POST", "/api/v1/playback/heartbeat", role="student", user=user, json={"token": bad}
        )
        assert (answer.status_code, answer.json()) == (403, {"detail": detail})
    assert live.call(
        "POST", "/api/v1/playback/end", role="student", user=user, json={"token": token}
    )
    replayed = live.call(
        "POST", "/api/v1/playback/heartbeat", role="student", user=user, json={"token": token}
    )
    assert (replayed.status_code, replayed.json()) == (409, {"detail": "session_inactive"})


def test_path_traversal_in_filenames_and_media_paths(live: Live) -> None:
    for filename in ("../../etc/passwd.mp4", "..\\..\\boot.ini", "a/../../b.mp4", "%2e%2e%2fx.mp4"):
        ticket = live.call(
            "POST",
            "/api/v1/videos/upload/init",
            json={"session": 10, "title": "t", "filename": filename},
        )
        assert ticket.status_code == 201, filename
        key = ticket.json()["file_key"]
        assert re.fullmatch(r"videos/demo/10/[0-9a-f-]{36}\.[a-z0-9]{1,10}", key), key
    for path in ("/hls/../../etc/passwd", "/media/objects/..%2F..%2Fetc%2Fpasswd"):
        answer = httpx.get(live.server.url + path, timeout=30)
        assert answer.status_code in (403, 404), path


def test_oversize_bodies_are_refused(live: Live, tmp_path: Path) -> None:
    token = live.start(3).json()["token"]
    _, user = live.students[3]
    huge = {"token": token, "events": [{"type": "FOCUS_LOST", "payload": {"x": "y" * 2_000_000}}]}
    answer = live.call("POST", "/api/v1/playback/events", role="student", user=user, json=huge)
    assert answer.status_code == 413
    many = {"token": token, "events": [{"type": "FOCUS_LOST"}] * 201}
    answer = live.call("POST", "/api/v1/playback/events", role="student", user=user, json=many)
    assert (answer.status_code, answer.json()) == (413, {"detail": "batch_too_large"})


def test_a_student_cannot_flood_the_event_store(live: Live) -> None:
    """Each event's payload is capped (413) and each session has a budget of events per minute,
    counted in Redis across API processes, and in total (429 with Retry-After); a refused batch
    is stored nowhere."""
    stack, video = live.stack, live.video

    def serving(**env: str) -> Server:
        variables = {f"ACADEMY_VIDEO_{name}": value for name, value in env.items()}
        n = len(stack.servers)
        server = Server(stack.root / "data", {**stack.env, **variables}, stack.root / f"s{n}.log")
        stack.servers.append(server)
        return server

    def send(server: Server, n: int, token: str, mark: int, size: int = 200) -> Any:
        events = [{"type": "FOCUS_LOST", "payload": {"m": mark, "i": i}} for i in range(size)]
        _, user = live.students[n]
        body = {"token": token, "events": events}
        return httpx.post(
            f"{server.url}/api/v1/playback/events",
            json=body,
            headers=stack.bearer("student", user),
            timeout=30,
        )

    def stored(n: int) -> Counter[tuple[int, int]]:
        params = {"video": video, "enrollment": live.students[n][0], "range": "all"}
        rows = live.call("GET", "/api/v1/video-playback-events/", params=params).json()
        return Counter((r["event_payload"]["m"], r["event_payload"]["i"]) for r in rows)

    # Per minute: 400 on this process; what the other process took counts.
    minute = serving(EVENT_RATE_PER_MINUTE="400")
    token = live.start(2, device="budget").json()["token"]
    fat = [{"type": "PLAYER_ERROR", "payload": {"m": 0, "details": "x" * 3000}}]
    refused = live.call(
        "POST",
        "/api/v1/playback/events",
        role="student",
        user=live.students[2][1],
        json={"token": token, "events": fat},
    )
    assert (refused.status_code, refused.json()) == (413, {"detail": "event_payload_too_large"})
    assert send(live.server, 2, token, 1).status_code == 201
    assert send(minute, 2, token, 2).status_code == 201
    limited = send(minute, 2, token, 3)
    assert (limited.status_code, limited.json()) == (429, {"detail": "rate_limited"})
    assert 1 <= int(limited.headers["Retry-After"]) <= 2 * 60 + 2
    assert set(stored(2)) == {(m, i) for m in (1, 2) for i in range(200)}

    # In total: 300 for the session's life, batches refused whole.
    total = serving(EVENT_SESSION_MAX="300")
    started = live.start(3, device="budget").json()
    token = started["token"]
    assert send(total, 3, token, 1).status_code == 201
    spent = send(total, 3, token, 2)
    assert (spent.status_code, spent.json()) == (429, {"detail": "event_budget_exhausted"})
    assert 1 <= int(spent.headers["Retry-After"]) <= started["expires_at"] - time.time() + 1
    assert send(total, 3, token, 3, size=100).json() == {"stored": 100}
    assert send(total, 3, token, 4, size=1).status_code == 429
    assert set(stored(3)) == {(1, i) for i in range(200)} | {(3, i) for i in range(100)}
    assert set(stored(2).values()) | set(stored(3).values()) == {1}  # each event once


def test_playback_starts_are_rate_limited_per_user(live: Live) -> None:
    codes = [live.start(0, device=f"r{n}").status_code for n in range(START_LIMIT + 1)]
    assert codes[-1] == 429 and 429 not in codes[: START_LIMIT - 2]
    assert live.start(1, device="other").status_code == 201  # another user is not held back
