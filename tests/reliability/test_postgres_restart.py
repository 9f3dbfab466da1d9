"""PostgreSQL restarted under load (`pg_ctl restart -m fast` of a cluster of the test's own):
requests in flight fail cleanly (503 ``database_unavailable``, never a 500 nor a dropped
connection), the same server process recovers by itself, and the projector resumes from its
tracking position: every acknowledged event batch is in the read model and the log exactly once,
no batch is half-stored, and `academy-video projections verify` finds no difference."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.http.test_serve_process import CLI, free_port

from .conftest import FULL, REPORT, Stack, ready_video, roster
from .helpers import judge, logged_markers, poll, stored_markers

PG_BIN = Path("/usr/lib/postgresql/15/bin")
CLIENTS = 30 if FULL else 8
SESSIONS = 2  # per client
BATCH = 10
BEFORE, AFTER = (300, 300) if FULL else (40, 40)  # acknowledged batches before/after the restart
# Each outage lasts until requests have met it (not a fixed time): "reads" until the readers
# have had a 503 each (writes in flight ride it out on the event store's retries); "writes"
# until every writer has had its 503 too, once the retries are spent (~100 s).
OUTAGES = ("reads", "writes") if FULL else ("reads",)
READERS = 4  # clients listing videos meanwhile (the read models)
RECOVERY = 60.0  # seconds the service may take to acknowledge batches again
# A write retries the event store for up to ~100 s (10 attempts, 5 s connect timeout) before its
# 503: the longest the full run keeps the database down.
OUTAGE_LIMIT = 240.0
UNAVAILABLE = {"detail": "database_unavailable"}


@dataclass
class Cluster:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/academy_video"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.directory / "data"), "-w", *args)

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self.pg_ctl("-l", str(self.directory / "log"), "-t", "60", "-o", self.options, "start")

    @property
    def options(self) -> str:
        return (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} "
            "-c fsync=off -c max_connections=200"
        )


def _as_postgres(*command: str) -> None:
    # initdb refuses root; the postgres user may not enter the caller's directory.
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        cwd="/",
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def cluster(stack: Stack) -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own (so it may restart it), holding the stack's
    database; stopped and removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}")
    directory = Path(tempfile.mkdtemp(prefix="academy-video-pg-"))
    shutil.chown(directory, "postgres", "postgres")
    cluster = Cluster(directory, free_port())
    try:
        _as_postgres(
            str(PG_BIN / "initdb"),
            *("-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync"),
        )
        cluster.start()
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE academy_video")
        stack.env["ACADEMY_VIDEO_DATABASE_URL"] = cluster.url
        yield cluster
    finally:
        for server in stack.servers:  # their pools would hold the cluster up
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
        if (directory / "data" / "postmaster.pid").exists():
            cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)


def test_postgres_restart_fails_requests_cleanly_and_the_projector_resumes(
    stack: Stack, cluster: Cluster
) -> None:
    server = stack.serve()
    students = roster(stack, server, CLIENTS)
    video = ready_video(stack, server)
    acknowledged: set[tuple[int, int]] = set()
    refused: set[tuple[int, int]] = set()  # answered 503: stored whole or not at all
    statuses: Counter[tuple[str, int]] = Counter()
    while_down: Counter[tuple[str, int]] = Counter()  # answers while the database was stopped
    wrong: list[str] = []
    sessions: list[str] = []
    downtimes: list[float] = []
    done = asyncio.Event()
    progress = asyncio.Condition()
    down = False

    async def until(condition: Callable[[], bool], timeout: float) -> None:
        async with progress:
            await asyncio.wait_for(progress.wait_for(condition), timeout)

    async def answered(name: str, status: int) -> None:
        async with progress:
            statuses[name, status] += 1
            if down:
                while_down[name, status] += 1
            progress.notify_all()

    async def writer(http: httpx.AsyncClient, c: int) -> None:
        enrollment, user = students[c]
        auth = stack.bearer("student", user)
        tokens = []
        for s in range(SESSIONS):
            start = await http.post(
                "/api/v1/playback/start",
                json={"video_id": video, "enrollment_id": enrollment, "device_id": f"d{c}-{s}"},
                headers=auth,
            )
            assert start.status_code == 201, start.text
            sessions.append(start.json()["session_id"])
            tokens.append(start.json()["token"])
        b = 0
        while not done.is_set():
            events = [
                {"type": "FOCUS_GAINED", "payload": {"c": c, "b": b, "i": i}} for i in range(BATCH)
            ]
            try:
                answer = await http.post(
                    "/api/v1/playback/events",
                    json={"token": tokens[b % SESSIONS], "events": events},
                    headers=auth,
                )
            except httpx.TransportError as error:
                wrong.append(f"events {c}/{b}: no answer: {error!r}")
                return
            if answer.status_code == 201 and answer.json()["stored"] == BATCH:
                acknowledged.add((c, b))
            elif (answer.status_code, answer.json()) == (503, UNAVAILABLE):
                refused.add((c, b))
            else:
                wrong.append(f"events {c}/{b}: {answer.status_code} {answer.text}")
            await answered("events", answer.status_code)
            b += 1

    async def reader(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            try:
                listing = await http.get("/api/v1/videos/", headers=stack.bearer("admin", 1))
            except httpx.TransportError as error:
                wrong.append(f"videos: no answer: {error!r}")
                return
            if not listing.is_success and (listing.status_code, listing.json()) != (
                503,
                UNAVAILABLE,
            ):
                wrong.append(f"videos: {listing.status_code} {listing.text}")
            await answered("videos", listing.status_code)

    def refusals(name: str) -> int:
        return while_down[name, 503]

    async def acknowledged_reach(count: int) -> None:
        await until(lambda: len(acknowledged) >= count, RECOVERY)

    async def refusals_reach(videos: int, events: int) -> None:
        await until(
            lambda: refusals("videos") >= videos and refusals("events") >= events, OUTAGE_LIMIT
        )

    async def controller() -> None:
        nonlocal down
        target = BEFORE
        for outage in OUTAGES:
            await acknowledged_reach(target)
            stopped = time.monotonic()
            await asyncio.to_thread(cluster.stop)
            down = True
            await refusals_reach(
                refusals("videos") + READERS,
                refusals("events") + (CLIENTS if outage == "writes" else 0),
            )
            await asyncio.to_thread(cluster.start)
            down = False
            downtimes.append(time.monotonic() - stopped)
            target = len(acknowledged) + AFTER  # acknowledged after the restart: recovered
            await acknowledged_reach(target)
        done.set()

    async def run() -> None:
        limits = httpx.Limits(max_connections=CLIENTS + READERS, keepalive_expiry=4)
        async with httpx.AsyncClient(
            base_url=server.url, timeout=OUTAGE_LIMIT + 60, limits=limits
        ) as http:
            control = asyncio.create_task(controller())
            try:
                await asyncio.gather(
                    *(writer(http, c) for c in range(CLIENTS)),
                    *(reader(http) for _ in range(READERS)),
                )
            finally:
                done.set()
            await control

    asyncio.run(run())
    assert not wrong, wrong[:5]
    assert server.process.poll() is None  # recovered by itself: the same process throughout
    served = {status for (_, status) in statuses}
    assert served <= {200, 201, 503}, statuses

    # The projector follows the log from its tracking position: no lag left, and the read
    # model is what a rebuild from the log produces.
    poll(
        lambda: httpx.get(f"{server.url}/health", timeout=30).json()["projections_behind"] == 0,
        30,
        "projection lag",
    )
    verified = subprocess.run(
        [*CLI, "projections", "verify"], env=server.env, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    rows = judge("read model", stored_markers(stack, video), BATCH, acknowledged, refused)
    logged = judge("event log", logged_markers(stack, sessions), BATCH, acknowledged, refused)
    assert rows == logged
    refused_stored = len(refused & rows.keys())
    REPORT.append(
        f"PostgreSQL stopped and started x{len(OUTAGES)} under load (down "
        f"{', '.join(f'{d:.1f}' for d in downtimes)} s): {len(acknowledged)} batches "
        f"acknowledged, all stored once in the read model and the log; answers while down: "
        f"{dict(while_down)}; refused batches {len(refused) - refused_stored} absent, "
        f"{refused_stored} complete, 0 partial; no 500, no dropped connection, same process; "
        f"projections verify: no difference"
    )
