"""Load: simulated students (500 in the full run, 60 in `make test`) on two API processes
behind no balancer but a round robin: each starts a session, heart-beats with its position,
sends event batches and ends. No answer is a 5xx, and every acknowledged event is in the read
model and in the event log afterwards (count equality). p50/p99 per endpoint are reported."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, TypedDict

import httpx

from academy_video.app.config import Settings
from academy_video.bootstrap import build

from .conftest import FULL, REPORT, Stack, ready_video, roster

STUDENTS = 500 if FULL else 60
HEARTBEATS, BATCHES, BATCH = (6, 4, 25) if FULL else (3, 2, 10)
IN_FLIGHT = 100  # students playing at once (the rest queue)


def test_students_play_and_every_acknowledged_event_is_stored(stack: Stack) -> None:
    servers = [stack.serve(), stack.serve()]
    students = roster(stack, servers[0], STUDENTS)
    video = ready_video(stack, servers[0])
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    acknowledged: dict[str, int] = {}
    failures: list[str] = []

    async def call(
        http: httpx.AsyncClient, name: str, path: str, user: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            response = await http.post(path, json=body, headers=stack.bearer("student", user))
        except httpx.TransportError as error:
            failures.append(f"{name}: {error!r}")
            return {"status": 0}
        latencies[name].append(time.perf_counter() - started)
        statuses[name][response.status_code] += 1
        return {"status": response.status_code, **(response.json() if response.content else {})}

    async def student(clients: list[httpx.AsyncClient], n: int, gate: asyncio.Semaphore) -> None:
        enrollment, user = students[n]
        http = clients[n % len(clients)]  # two processes: sessions cross them
        async with gate:
            start = await call(
                http,
                "start",
                "/api/v1/playback/start",
                user,
                {"video_id": video, "enrollment_id": enrollment, "device_id": f"d{n}"},
            )
            if start["status"] != 201:
                return
            token, sid = start["token"], start["session_id"]
            other = clients[(n + 1) % len(clients)]
            for beat in range(HEARTBEATS):
                await call(
                    other,
                    "heartbeat",
                    "/api/v1/playback/heartbeat",
                    user,
                    {"token": token, "position": beat * 2.0},
                )
            stored = 0
            for b in range(BATCHES):
                events = [
                    {"type": "FOCUS_GAINED", "payload": {"b": b, "i": i}} for i in range(BATCH)
                ]
                answer = await call(
                    http,
                    "events",
                    "/api/v1/playback/events",
                    user,
                    {"token": token, "events": events},
                )
                if answer["status"] == 201:
                    stored += answer["stored"]
            acknowledged[sid] = stored
            await call(http, "end", "/api/v1/playback/end", user, {"token": token})

    async def run() -> float:
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request
        # never goes out on a connection the server is closing.
        limits = httpx.Limits(max_connections=IN_FLIGHT, keepalive_expiry=4)
        clients = [httpx.AsyncClient(base_url=s.url, timeout=60, limits=limits) for s in servers]
        gate = asyncio.Semaphore(IN_FLIGHT)
        started = time.perf_counter()
        try:
            await asyncio.gather(*(student(clients, n, gate) for n in range(STUDENTS)))
        finally:
            for client in clients:
                await client.aclose()
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    assert not failures, failures[:5]  # every request got an answer

    server_errors = {
        name: {s: c for s, c in codes.items() if s >= 500} for name, codes in statuses.items()
    }
    assert all(not errors for errors in server_errors.values()), server_errors
    assert all(set(codes) <= {200, 201} for codes in statuses.values()), dict(statuses)
    total = sum(acknowledged.values())
    assert total == STUDENTS * BATCHES * BATCH
    [(rows,)] = stack.sql("SELECT count(*) FROM playback_events WHERE video_id = %s", video)
    assert rows == total  # read model: each acknowledged event once
    container = build(Settings(data_dir=Path(stack.root / "check"), **_stores(stack)))
    try:
        logged = sum(container.sessions.get(sid).events_total for sid in acknowledged)
    finally:
        container.close()
    assert logged == total  # event log: the same
    REPORT.append(
        f"load: {STUDENTS} students on 2 API processes in {elapsed:.1f} s; "
        f"{total:,} events acknowledged = {rows:,} rows = {logged:,} in the log; no 5xx"
    )
    for name, values in latencies.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        REPORT.append(
            f"  {name:10} {len(values):6} requests  p50 {statistics.median(values) * 1000:7.1f} ms"
            f"  p99 {p99 * 1000:7.1f} ms"
        )


class Stores(TypedDict):
    database_url: str
    playback_token_secret: str


def _stores(stack: Stack) -> Stores:
    return {
        "database_url": stack.env["ACADEMY_VIDEO_DATABASE_URL"],
        "playback_token_secret": stack.env["ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET"],
    }
