"""kill -9 of the API during event ingestion: clients send playback event batches (each item
marked with its client, batch and position) over two sessions each, so batches interleave in the
server's group commits; the server is SIGKILLed once a fixed number of batches is acknowledged.
After a restart (which catches the projections up), every acknowledged batch is stored exactly
once, in the read model and in the event log, and every unanswered batch is all there or absent:
never half."""

from __future__ import annotations

import asyncio
import signal

import httpx

from .conftest import FULL, REPORT, Stack, ready_video, roster
from .helpers import judge, logged_markers, stored_markers

CLIENTS = 40 if FULL else 12
SESSIONS = 3 if FULL else 2  # per client
BATCH = 20 if FULL else 10
KILL_AFTER = 600 if FULL else 60  # acknowledged batches before the SIGKILL
MAX_BATCHES = 10_000  # per client: a bound, should the kill never come


def test_kill_9_of_the_api_during_ingestion_stores_acknowledged_batches_once(
    stack: Stack,
) -> None:
    server = stack.serve()
    students = roster(stack, server, CLIENTS)
    video = ready_video(stack, server)
    acknowledged: set[tuple[int, int]] = set()
    unanswered: set[tuple[int, int]] = set()  # sent, no answer: the server died meanwhile
    not_sent: set[tuple[int, int]] = set()
    refused: list[str] = []
    sessions: dict[int, list[tuple[str, str]]] = {}  # client → (session id, token)
    enough = asyncio.Event()
    killed = asyncio.Event()

    async def client(http: httpx.AsyncClient, c: int) -> None:
        enrollment, user = students[c]
        auth = stack.bearer("student", user)
        mine = sessions.setdefault(c, [])
        for s in range(SESSIONS):
            start = await http.post(
                "/api/v1/playback/start",
                json={"video_id": video, "enrollment_id": enrollment, "device_id": f"d{c}-{s}"},
                headers=auth,
            )
            assert start.status_code == 201, start.text
            mine.append((start.json()["session_id"], start.json()["token"]))
        for b in range(MAX_BATCHES):
            if killed.is_set():
                return
            _, token = mine[b % SESSIONS]
            events = [
                {"type": "FOCUS_GAINED", "payload": {"c": c, "b": b, "i": i}} for i in range(BATCH)
            ]
            try:
                answer = await http.post(
                    "/api/v1/playback/events",
                    json={"token": token, "events": events},
                    headers=auth,
                )
            except httpx.ConnectError:
                not_sent.add((c, b))  # the server was gone before the request
                return
            except httpx.TransportError:
                unanswered.add((c, b))
                return
            if answer.status_code != 201 or answer.json()["stored"] != BATCH:
                refused.append(f"{c}/{b}: {answer.status_code} {answer.text}")
                return
            acknowledged.add((c, b))
            if len(acknowledged) >= KILL_AFTER:
                enough.set()

    async def killer() -> None:
        await enough.wait()
        server.process.send_signal(signal.SIGKILL)
        killed.set()

    async def run() -> None:
        limits = httpx.Limits(max_connections=CLIENTS, keepalive_expiry=4)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
            kill = asyncio.create_task(killer())
            await asyncio.gather(*(client(http, c) for c in range(CLIENTS)))
            assert kill.done(), "the clients stopped before the kill"
            await kill

    asyncio.run(run())
    server.process.wait(timeout=30)
    assert server.process.returncode == -signal.SIGKILL
    assert not refused, refused[:5]
    assert len(acknowledged) >= KILL_AFTER

    stack.serve()  # a new process on the same stores: it catches the projections up at start
    session_ids = [sid for mine in sessions.values() for sid, _ in mine]
    rows = judge("read model", stored_markers(stack, video), BATCH, acknowledged, unanswered)
    logged = judge("event log", logged_markers(stack, session_ids), BATCH, acknowledged, unanswered)
    assert not not_sent & rows.keys()
    assert rows == logged  # the read model holds what the log holds, no more, no less
    complete = {batch for batch, n in rows.items() if n == BATCH}
    in_flight_stored = len(unanswered & complete)
    REPORT.append(
        f"kill -9 API: {len(acknowledged)} batches ({len(acknowledged) * BATCH:,} events) "
        f"acknowledged by {CLIENTS} clients x {SESSIONS} sessions, all stored once in the read "
        f"model and the log; {len(unanswered)} unanswered: "
        f"{len(unanswered) - in_flight_stored} absent, {in_flight_stored} complete, 0 partial; "
        f"{len(not_sent)} refused a connection after the kill, absent"
    )
