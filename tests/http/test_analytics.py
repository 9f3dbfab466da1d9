"""Instructor analytics over HTTP, every number pinned on a constructed history:

- Alice (101, rule ``once``, attends ONLINE): VISIBILITY_HIDDEN, FOCUS_LOST and a violated
  SEEK_ATTEMPT (reason ``seek_bounded_forward``): risk 1 + 2 + (3 × 2 + 1) = 10.
- Bob (102): FOCUS_LOST and FULLSCREEN_ENTER: risk 2 + 0 (but 1 in the events list); progress 0.5.
- Carol (103, attends ONLINE): no events; completed by staff.
- Dave (104): enrolled but INACTIVE: counted nowhere.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.exceptions import LitestarException
from sqlalchemy import select

from academy_video.adapters.http.analytics_views import event_out
from academy_video.adapters.http.routes import analytics as analytics_routes
from academy_video.adapters.sql import analytics as sql_analytics
from academy_video.adapters.sql import tables
from academy_video.adapters.sql.analytics import SqlAnalytics
from academy_video.domain.playback_session import ClientEvent, RevokeRule
from academy_video.domain.policy import (
    ANALYTICS_WEIGHTS,
    ClientEventType,
    event_score,
    severity,
)
from academy_video.domain.progress import Sample

from .conftest import LECTURE, SESSION, STUDENTS, Api
from .test_playback import play, start

ALICE, BOB, CAROL = 101, 102, 103

# The contract's export header, written out (not imported from the route: the test pins it).
CONTRACT_CSV_HEADER = [
    "occurred_at",
    "student_name",
    "enrollment_id",
    "event_type",
    "violated",
    "violation_reason",
    "session_id",
    "user_id",
    "score",
    "payload",
]


@pytest.fixture
def video(api: Api) -> int:
    video = api.ready_video()  # 100 s long
    api.call("PUT", "/api/v1/directory/students/604", json={"user_id": 1004, "name": "Dave"})
    api.call(
        "PUT",
        "/api/v1/directory/enrollments/104",
        json={"student_id": 604, "lecture_id": LECTURE, "status": "INACTIVE"},
    )
    for enrollment in (ALICE, CAROL):
        api.call(
            "PUT",
            "/api/v1/directory/attendance",
            json={"session_id": SESSION, "enrollment_id": enrollment, "status": "ONLINE"},
        )
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": ALICE, "rule": "once"},
    )
    alice = start(api, video).json()["token"]
    batch: list[dict[str, Any]] = [
        {"type": t} for t in ("VISIBILITY_HIDDEN", "FOCUS_LOST", "SEEK_ATTEMPT")
    ]
    assert play(api, "events", alice, events=batch).json() == {"stored": 3}
    bob = start(api, video, BOB).json()["token"]
    batch = [{"type": "FOCUS_LOST"}, {"type": "FULLSCREEN_ENTER", "payload": {"w": 1920}}]
    assert play(api, "events", bob, BOB, events=batch).json() == {"stored": 2}
    for enrollment, seconds in ((BOB, 50), (CAROL, 100)):  # watched from the start
        t0 = datetime.now(UTC) - timedelta(seconds=seconds)
        api.app.progress.record(
            video_id=video,
            enrollment_id=enrollment,
            tenant="demo",
            duration=100.0,
            max_rate=1.0,
            samples=[Sample("s", 0, t0), Sample("s", seconds, t0 + timedelta(seconds=seconds))],
        )
    return video


def get(api: Api, path: str, **params: Any) -> Any:
    response = api.call("GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_risk_pins_the_seed_scoring(api: Api, video: int) -> None:
    rows = get(api, "/api/v1/video-playback-events/risk/", video=video)
    assert [
        {k: r[k] for k in ("enrollment_id", "student_name", "score", "danger", "warn", "info")}
        for r in rows
    ] == [
        {
            "enrollment_id": ALICE,
            "student_name": "Student 101",
            "score": 10,
            "danger": 1,
            "warn": 1,
            "info": 1,
        },
        {
            "enrollment_id": BOB,
            "student_name": "Student 102",
            "score": 2,
            "danger": 0,
            "warn": 1,
            "info": 1,
        },
    ]
    assert all(r["last_occurred_at"].endswith(("Z", "+00:00")) for r in rows)
    assert get(api, "/api/v1/video-playback-events/risk/", video=video, limit=1)[0]["score"] == 10


def test_summary_over_active_enrollments(api: Api, video: int) -> None:
    body = get(api, f"/api/v1/videos/{video}/summary/", range="all")
    assert body == {
        "video_id": video,
        "range": "all",
        "total_students": 3,  # Dave is INACTIVE
        "completed_count": 1,
        "completion_rate": pytest.approx(1 / 3),
        "watched_seconds_est": 150,  # ⌊0.5 × 100⌋ + ⌊1.0 × 100⌋
        "risk_top": [
            {"enrollment": ALICE, "student_name": "Student 101", "score": 10},
            {"enrollment": BOB, "student_name": "Student 102", "score": 2},
        ],
    }
    assert get(api, f"/api/v1/videos/{video}/summary/")["range"] == "7d"
    # Truncated, not rounded: Bob corrected to 0.4567 watched ⌊45.67⌋ = 45 (PostgreSQL rounds).
    [bob] = get(api, "/api/v1/video-progress/", video=video, enrollment=BOB)
    patched = api.call("PATCH", f"/api/v1/video-progress/{bob['id']}/", json={"progress": 0.4567})
    assert patched.status_code == 200, patched.text
    summary = get(api, f"/api/v1/videos/{video}/summary/", range="all")
    assert summary["watched_seconds_est"] == 145  # ⌊45.67⌋ + ⌊1.0 × 100⌋


def test_stats_and_policy_impact(api: Api, video: int) -> None:
    body = get(api, f"/api/v1/videos/{video}/stats/")
    assert body["video"]["id"] == video and body["total_filtered"] == 3
    students = {s["enrollment"]: s for s in body["students"]}
    assert sorted(students) == [ALICE, BOB, CAROL]
    assert students[ALICE] | {"progress": 0} == {
        "enrollment": ALICE,
        "student_name": "Student 101",
        "attendance_status": "ONLINE",
        "progress": 0,
        "completed": False,
        "rule": "once",
        "effective_rule": "once",
        "parent_phone": "",  # empty: "" as the old app answered
        "student_phone": "",
        "school": None,
        "grade": None,
    }
    assert (students[BOB]["rule"], students[BOB]["attendance_status"]) == ("free", None)
    assert (students[CAROL]["completed"], students[CAROL]["progress"]) == (True, 1.0)
    nested = f"/api/v1/lectures/{LECTURE}/sessions/{SESSION}/videos/{video}/stats/"
    assert get(api, nested) == body
    wrong = api.call("GET", f"/api/v1/lectures/{LECTURE}/sessions/99/videos/{video}/stats/")
    assert wrong.status_code == 404
    impact = get(api, f"/api/v1/videos/{video}/policy-impact/")
    assert impact[0] == {
        "enrollment": ALICE,
        "student_name": "Student 101",
        "rule": "once",
        "effective_rule": "once",
        "completed": False,
    }
    assert [r["enrollment"] for r in impact] == [ALICE, BOB, CAROL]


def test_achievement_of_online_students(api: Api, video: int) -> None:
    body = get(api, f"/api/v1/videos/{video}/achievement/")
    assert body["summary"] == {
        "total_students": 2,
        "avg_progress": 50.0,
        "completed_rate": 50.0,
        "incomplete_count": 1,
    }
    assert [(s["enrollment"], s["progress"], s["status"]) for s in body["students"]] == [
        (ALICE, 0.0, "danger"),
        (CAROL, 100.0, "completed"),
    ]


@pytest.mark.parametrize(
    ("progress", "status"),
    [(0.4999, "danger"), (0.5, "warning"), (0.9499, "warning"), (0.95, "completed")],
)
def test_achievement_status_bands(api: Api, video: int, progress: float, status: str) -> None:
    """The seed's bands: completed from 0.95, warning from 0.5, else danger."""
    api.call(
        "PUT",
        "/api/v1/directory/attendance",
        json={"session_id": SESSION, "enrollment_id": BOB, "status": "ONLINE"},
    )
    [bob] = get(api, "/api/v1/video-progress/", video=video, enrollment=BOB)
    patched = api.call("PATCH", f"/api/v1/video-progress/{bob['id']}/", json={"progress": progress})
    assert patched.status_code == 200, patched.text
    students = get(api, f"/api/v1/videos/{video}/achievement/")["students"]
    assert {s["enrollment"]: s["status"] for s in students}[BOB] == status


def test_the_events_list_filters_pages_and_scores(api: Api, video: int) -> None:
    path = "/api/v1/video-playback-events/"
    events = get(api, path, video=video)
    assert len(events) == 5
    by_type = {(e["enrollment_id"], e["event_type"]): e for e in events}
    seek = by_type[ALICE, "SEEK_ATTEMPT"]
    assert (seek["violated"], seek["violation_reason"], seek["severity"], seek["score"]) == (
        True,
        "seek_bounded_forward",
        "danger",
        7,
    )
    fullscreen = by_type[BOB, "FULLSCREEN_ENTER"]
    assert (fullscreen["score"], fullscreen["severity"]) == (1, "info")  # 1 here, 0 in risk
    assert fullscreen["event_payload"] == {"w": 1920}
    assert by_type[BOB, "FOCUS_LOST"]["severity"] == "warn"
    assert len({e["id"] for e in events}) == 5 and all(isinstance(e["id"], int) for e in events)
    times = [e["occurred_at"] for e in events]
    assert times == sorted(times, reverse=True)
    types = get(api, path, video=video, event_type="FOCUS_LOST,SEEK_ATTEMPT")
    assert sorted(e["event_type"] for e in types) == ["FOCUS_LOST", "FOCUS_LOST", "SEEK_ATTEMPT"]
    assert [e["event_type"] for e in get(api, path, video=video, violated="true")] == [
        "SEEK_ATTEMPT"
    ]
    assert {e["enrollment_id"] for e in get(api, path, enrollment=BOB)} == {BOB}
    assert {e["enrollment_id"] for e in get(api, path, search="student 101")} == {ALICE}
    assert {e["user_id"] for e in get(api, path, search=str(STUDENTS[BOB]))} == {STUDENTS[BOB]}
    session = seek["session_id"]
    assert {e["session_id"] for e in get(api, path, search=session[:12])} == {session}
    first = api.call("GET", path, params={"video": video, "limit": 2})
    assert first.headers["x-total-count"] == "5" and len(first.json()) == 2
    pages = [get(api, path, video=video, limit=2, offset=n) for n in (0, 2, 4)]
    assert [e["id"] for page in pages for e in page] == [e["id"] for e in events]


def test_the_events_list_without_a_limit_is_every_match(
    api: Api, video: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the seed's list (no pagination): every match, read from the database in keyset pages
    (made small here, so pages end inside batches whose events share a time) and streamed; the
    same JSON as one big page."""
    monkeypatch.setattr(sql_analytics, "STREAM_ROWS", 100)
    token = start(api, video, BOB, device="d2").json()["token"]
    for _ in range(3):
        batch = [{"type": "FOCUS_GAINED", "payload": {"n": n}} for n in range(200)]
        assert play(api, "events", token, BOB, events=batch).status_code == 201
    path = "/api/v1/video-playback-events/"
    every = api.call("GET", path, params={"video": video})
    assert every.headers["content-type"].startswith("application/json")
    assert every.headers["x-total-count"] == "605"
    assert len(every.json()) == 605
    assert every.json() == get(api, path, video=video, limit=5000)
    assert get(api, path, video=video, event_type="SEEK_ATTEMPT") == [
        e for e in every.json() if e["event_type"] == "SEEK_ATTEMPT"
    ]
    assert api.call("GET", path, params={"video": video, "search": "nobody"}).json() == []


def test_a_stream_that_fails_part_way_is_no_complete_answer(
    api: Api, video: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Litestar ends a sync stream quietly on a ValueError: a failure part-way must not pass for
    a whole (shorter) list."""
    real = event_out

    def failing(row: Any) -> Any:
        if row["event_type"] == "FOCUS_LOST":
            raise ValueError("a row that cannot be encoded")
        return real(row)

    monkeypatch.setattr(analytics_routes, "event_out", failing)
    with pytest.raises(LitestarException, match="after response started") as aborted:
        api.call("GET", "/api/v1/video-playback-events/", params={"video": video})
    assert "part-way" in repr(aborted.value.__cause__)  # the response was aborted, not ended


def test_the_csv_export(api: Api, video: int) -> None:
    response = api.call("GET", "/api/v1/video-playback-events/export/", params={"video": video})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="video_{video}_events_24h.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == CONTRACT_CSV_HEADER
    by_type = {(r[2], r[3]): r for r in rows[1:]}
    assert len(rows) == 6
    assert by_type[str(ALICE), "SEEK_ATTEMPT"][4:6] == ["Y", "seek_bounded_forward"]
    assert by_type[str(ALICE), "SEEK_ATTEMPT"][8] == "7"
    assert by_type[str(BOB), "FULLSCREEN_ENTER"][8:] == ["0", '{"w":1920}']


def test_refusals(api: Api, video: int) -> None:
    for path in (
        f"/api/v1/videos/{video}/stats/",
        f"/api/v1/videos/{video}/summary/",
        f"/api/v1/videos/{video}/achievement/",
        f"/api/v1/videos/{video}/policy-impact/",
        "/api/v1/video-playback-events/",
        f"/api/v1/video-playback-events/risk/?video={video}",
        f"/api/v1/video-playback-events/export/?video={video}",
    ):
        student = api.call("GET", path, role="student")
        assert (student.status_code, student.json()) == (403, {"detail": "forbidden"}), path
        if "video=" in path or "/videos/" in path:
            other = api.call("GET", path, tenant="other")
            assert other.status_code == 404, path
    for path in ("risk", "export"):
        missing = api.call("GET", f"/api/v1/video-playback-events/{path}/")
        assert (missing.status_code, missing.json()) == (400, {"detail": "video is required"})
    bad = api.call("GET", f"/api/v1/videos/{video}/summary/", params={"range": "1y"})
    assert (bad.status_code, bad.json()) == (400, {"detail": "range"})
    deep = api.call("GET", "/api/v1/video-playback-events/", params={"offset": 2**65})
    assert deep.status_code == 400  # found by fuzzing: a BIGINT overflow was a 500
    unknown = api.call("GET", "/api/v1/video-playback-events/", params={"event_type": "TELEPORT"})
    assert (unknown.status_code, unknown.json()) == (400, {"detail": "event_type"})
    # Another tenant sees none of these events.
    assert api.call("GET", "/api/v1/video-playback-events/", tenant="other").json() == []


def test_risk_from_hourly_sums_equals_the_raw_rows_for_any_range_start(api: Api) -> None:
    """The ranking reads per-hour sums plus the raw rows of the hour a range starts in: for
    starts on and off the hour it must equal scoring every raw row (``domain.policy``)."""
    video = api.ready_video()
    api.call(
        "POST",
        "/api/v1/video-permissions/",
        json={"video": video, "enrollment": ALICE, "rule": "once"},  # SEEK_ATTEMPT violates
    )
    rng = random.Random(3)
    now = datetime.now(UTC).timestamp()
    types = [t.value for t in ClientEventType]
    never_revoke = RevokeRule(threshold=10**6, ratio=2.0)
    for enrollment in (ALICE, BOB, CAROL):
        session = start(api, video, enrollment).json()["session_id"]
        for _ in range(16):  # batches the server received over three days (its time counts)
            received = datetime.fromtimestamp(now - rng.uniform(0, 3 * 86400), UTC)
            batch = [ClientEvent(rng.choice(types), None, {}) for _ in range(10)]
            api.app.sessions.report(session, batch, now=received, rule=never_revoke)
    reads = api.app.reads
    assert reads is not None
    analytics = SqlAnalytics(reads.engine)
    with reads.engine.connect() as conn:
        raw = [dict(r) for r in conn.execute(select(tables.playback_events)).mappings()]
    starts = [None] + [
        datetime.fromtimestamp(now - hours * 3600, UTC) for hours in (24, 24.5, 36.25, 71.9, 0.1)
    ]
    for since in starts:
        expected: dict[int, list[int]] = {}
        for r in raw:
            if since is not None and as_utc(r["occurred_at"]) < since:
                continue
            level = severity(r["event_type"], r["violated"])
            sums = expected.setdefault(r["enrollment_id"], [0, 0, 0, 0])
            sums[0] += event_score(
                r["event_type"], r["violated"], r["violation_reason"], ANALYTICS_WEIGHTS
            )
            sums[1 + ("danger", "warn", "info").index(level)] += 1
        got = analytics.risk("demo", video, since=since, limit=10)
        assert {
            r["enrollment_id"]: [r["score"], r["danger"], r["warn"], r["info"]] for r in got
        } == (expected), since


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
