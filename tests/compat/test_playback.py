"""The student player as the old one called playback (start, refresh, heartbeat, end), and the
session id in the old form, ``str(uuid.uuid4())``; sessions opened with the hex form before the
change keep working. (Heartbeats after a policy loosening and the events list: test_events.py.)"""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from academy_video.app.playback import start as start_module
from tests.http.conftest import STUDENTS, Api

from .seed_answers import OK, PLAYBACK_REFRESH, PLAYBACK_START
from .shapes import assert_same_shape

ALICE = 101
OLD_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def play(api: Api, path: str, body: dict[str, Any]) -> Any:
    return api.call(
        "POST", f"/api/v1/playback/{path}/", role="student", user=STUDENTS[ALICE], json=body
    )


def start(api: Api, video: int, device: str = "d1") -> Any:
    # The old player sends what its serializer read (and what it kept from the video list).
    body = {"video_id": video, "enrollment_id": ALICE, "device_id": device, "title": "Limits"}
    return play(api, "start", body)


class HexUuid:
    """A session id as issued before the change: ``uuid4().hex``."""

    def __str__(self) -> str:
        return uuid.uuid4().hex


def test_start_answers_the_old_shape_with_an_old_form_session_id(api: Api) -> None:
    video = api.ready_video()
    response = start(api, video)
    assert response.status_code == 201, response.text
    assert_same_shape(response.json(), PLAYBACK_START)
    assert OLD_FORM.fullmatch(response.json()["session_id"])  # 36 characters, hyphens


@pytest.mark.parametrize("form", ["old", "hex"])
def test_a_session_of_either_form_refreshes_beats_ends_and_is_audited(
    api: Api, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if form == "hex":  # a session opened before the change
        monkeypatch.setattr(start_module, "uuid", SimpleNamespace(uuid4=HexUuid))
    video = api.ready_video()
    started = start(api, video).json()
    monkeypatch.undo()
    session_id, token = started["session_id"], started["token"]
    assert len(session_id) == (32 if form == "hex" else 36)
    refreshed = play(api, "refresh", {"token": token})
    assert refreshed.status_code == 200, refreshed.text
    assert_same_shape(refreshed.json(), PLAYBACK_REFRESH)
    token = refreshed.json()["token"]
    beat = play(api, "heartbeat", {"token": token, "position": 3.0, "playback_rate": 1.0})
    assert beat.status_code == 200 and beat.json()["ok"] is True
    ended = play(api, "end", {"token": token})
    assert ended.status_code == 200
    assert_same_shape(ended.json(), OK)
    after = play(api, "heartbeat", {"token": token})
    assert (after.status_code, after.json()) == (409, {"detail": "session_inactive"})
    audit = api.call("GET", f"/api/v1/audit/playback-sessions/{session_id}/events")
    assert audit.status_code == 200, audit.text
    assert audit.json()[0]["type"].endswith("Started")


def test_the_old_players_body_extras_are_ignored(api: Api) -> None:
    video = api.ready_video()
    token = start(api, video).json()["token"]
    body = {"token": token, "session_id": "x", "video_id": video, "position": 1.0}
    assert play(api, "heartbeat", body).status_code == 200
    assert play(api, "refresh", body).status_code == 200
