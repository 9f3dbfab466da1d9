"""kill -9 of a delivery process mid-batch, and a receiver that restarts, on the full stack
(PostgreSQL, `serve` without embedded deliveries, `academy-video webhooks deliver` processes):
every public event reaches the receiver at least once, none is lost, and each delivery ends
delivered in the queue."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

from tests.http.test_serve_process import CLI, free_port
from tests.webhooks.receivers import Answer, Received, Receiver, receiving

from .conftest import REPORT, SESSION, Stack, roster
from .helpers import poll

LEASE, TOTAL = 8, 2  # seconds: the lease must outlast three rounds of attempts
STUDENTS = 12


def deliver(stack: Stack, name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    with (stack.root / f"deliver-{name}.log").open("ab") as out:
        process = subprocess.Popen(
            [*CLI, "webhooks", "deliver", "--id", name],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    stack.workers.append(process)  # stopped with the stack, whatever the test's outcome
    return process


def test_a_killed_delivery_process_loses_nothing_and_a_restarted_receiver_gets_the_rest(
    stack: Stack,
) -> None:
    stack.env |= {
        "ACADEMY_VIDEO_EMBEDDED_WEBHOOKS": "false",
        "ACADEMY_VIDEO_WEBHOOK_ALLOW_HTTP": "true",
        "ACADEMY_VIDEO_WEBHOOK_ALLOW_LIST": "127.0.0.1/32",
        "ACADEMY_VIDEO_WEBHOOK_LEASE_SECONDS": str(LEASE),
        "ACADEMY_VIDEO_WEBHOOK_TOTAL_SECONDS": str(TOTAL),
    }
    server = stack.serve()
    pairs = roster(stack, server, STUDENTS)
    held = threading.Event()  # the doomed process's first requests wait on it

    def answer(receiver: Receiver, got: Received) -> Answer:
        if not held.is_set():
            receiver.arrived.set()
            receiver.release.wait()
        return Answer(204)

    port = free_port()
    with stack.admin(server) as http, receiving(answer, port=port) as receiver:
        hook = http.post(
            "/api/v1/webhooks",
            json={"url": receiver.url(), "event_types": ["permission.changed"]},
        )
        assert hook.status_code == 201, hook.text
        init = http.post(
            "/api/v1/videos/upload/init",
            json={"session": SESSION, "title": "hooks", "filename": "a.mp4"},
        )
        assert init.status_code == 201, init.text
        video = init.json()["video"]["id"]
        for enrollment, _ in pairs:
            created = http.post(
                "/api/v1/video-permissions",
                json={"video": video, "enrollment": enrollment, "rule": "free"},
            )
            assert created.status_code == 201, created.text

        doomed = deliver(stack, "doomed", server.env)
        assert receiver.arrived.wait(60), "the doomed process sent nothing"
        doomed.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert doomed.wait(timeout=10) == -signal.SIGKILL
        in_flight = len(receiver.requests)
        held.set()
        receiver.release.set()  # its held requests answer to a dead client
        rescuer = deliver(stack, "rescuer", server.env)

        def message_ids() -> set[str]:
            rows = stack.sql(
                "SELECT message_id FROM webhook_messages WHERE type = %s", "permission.changed"
            )
            return {row[0] for row in rows}

        expected = message_ids()
        assert len(expected) == STUDENTS
        poll(
            lambda: expected <= {r.headers["webhook-id"] for r in receiver.requests},
            60,
            "every message delivered after the kill",
        )
        recovered = time.monotonic() - killed_at

    # The receiver is down: the next events fail to connect, and are retried when it is back.
    with stack.admin(server) as http:
        for enrollment, _ in pairs[:3]:
            bulk = http.post(
                "/api/v1/video-permissions/bulk_set",
                json={"video_id": video, "enrollments": [enrollment], "rule": "blocked"},
            )
            assert bulk.status_code == 200, bulk.text
    later = message_ids() - expected
    assert len(later) == 3

    def failed_while_down() -> bool:
        query = "SELECT count(*) FROM webhook_attempts WHERE status_code IS NULL"
        return int(stack.sql(query)[0][0]) >= 3

    def undelivered() -> list[tuple[object, ...]]:
        return stack.sql("SELECT delivery_id FROM webhook_deliveries WHERE status <> 'delivered'")

    poll(failed_while_down, 30, "attempts failing while the receiver is down")
    with receiving(lambda receiver, got: Answer(204), port=port) as back:
        # The first retry comes 5 s (± 20 %) after the failure.
        poll(lambda: not undelivered(), 30, "deliveries resumed after the receiver restarted")
    assert later <= {r.headers["webhook-id"] for r in back.requests}
    rescuer.terminate()
    assert rescuer.wait(timeout=30) == 0
    REPORT.append(
        f"kill -9 webhooks: {in_flight} requests in flight when killed; lease {LEASE} s; all "
        f"{STUDENTS} messages delivered {recovered:.1f} s after the kill; a restarted receiver "
        f"got the 3 it missed"
    )
