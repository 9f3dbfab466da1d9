"""Analytics rows → response bodies: a playback event's JSON and the export's CSV lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

from academy_video.app.analytics import Row

from .schemas import PlaybackEventOut
from .streaming import csv_lines
from .views import utc

CSV_HEADER = [
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


def event_out(r: Row) -> PlaybackEventOut:
    return PlaybackEventOut(
        id=r["event_id"],
        video=r["video_id"],
        enrollment_id=r["enrollment_id"],
        student_name=r["student_name"],
        session_id=r["session_id"],
        user_id=r["user_id"],
        event_type=r["event_type"],
        violated=bool(r["violated"]),
        violation_reason=r["violation_reason"],
        event_payload=r["payload"] or {},
        policy_snapshot=r["policy_snapshot"] or {},
        occurred_at=utc(r["occurred_at"]),
        received_at=utc(r["received_at"]),
        severity=r["severity"],
        score=int(r["score"]),
        client_occurred_at=utc(r["client_occurred_at"]),
    )


def export_csv(rows: Iterator[Row]) -> Iterator[bytes]:
    """The export's CSV: ``CSV_HEADER``, then one line per event."""
    return csv_lines(CSV_HEADER, (_export_cells(r) for r in rows))


def _export_cells(r: Row) -> list[object]:
    return [
        utc(r["occurred_at"]).isoformat(),
        r["student_name"],
        r["enrollment_id"],
        r["event_type"],
        "Y" if r["violated"] else "N",
        r["violation_reason"],
        r["session_id"],
        r["user_id"],
        r["score"],
        json.dumps(r["payload"] or {}, separators=(",", ":"), sort_keys=True),
    ]
