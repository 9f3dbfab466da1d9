"""Fuzzing the real `serve` process (PostgreSQL, Redis, S3) over HTTP: schemathesis over the full
OpenAPI description, once per role's token (admin, staff, student; the worker token rides along
on every request): no 5xx and no answer off its documented schema."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from .conftest import FULL, REPORT, WORKER_TOKEN, Stack, ready_video, roster

EXAMPLES = 60 if FULL else 8
ROLES = (("admin", 1), ("staff", 7), ("student", 100_000))


def test_no_role_finds_a_server_error_or_an_off_schema_answer(stack: Stack) -> None:
    server = stack.serve()
    roster(stack, server, 3)
    ready_video(stack, server)
    for role, user in ROLES:
        junit = stack.root / f"fuzz-{role}.xml"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{server.url}/schema/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                "7",
                "--header",
                f"Authorization: {stack.bearer(role, user)['Authorization']}",
                "--header",
                f"X-Worker-Token: {WORKER_TOKEN}",
                "--report",
                "junit",
                "--report-junit-path",
                str(junit),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        suite = ET.parse(junit).getroot()
        cases = suite.iter("testcase")
        operations = failures = 0
        for case in cases:
            operations += 1
            failures += sum(1 for _ in case.iter("failure")) + sum(1 for _ in case.iter("error"))
        assert run.returncode == 0 and failures == 0, run.stdout[-4000:]
        REPORT.append(
            f"fuzz as {role}: {operations} operations × up to {EXAMPLES} examples, "
            f"0 server errors, 0 off-schema answers"
        )
