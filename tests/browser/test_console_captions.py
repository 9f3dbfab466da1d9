"""The console's Captions tab in Chromium, against ``serve`` with its embedded workers: a SubRip
file uploaded, its cues previewed and one edited, published, made the default and deleted after
a confirmation; auto-captions started on a lecture espeak-ng says in Korean, its progress shown
until the real recogniser's draft arrives, whose cues are then reviewed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.http.conftest import SESSION
from tests.speech import make_spoken_video

from .conftest import Site, Tab

pytestmark = pytest.mark.speech

SENTENCES = ["안녕하세요. 오늘은 파이썬을 배워 보겠습니다.", "질문이 있으면 물어보세요."]
SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\nHello everyone\n\n"
    "2\n00:00:03,000 --> 00:00:04,500\nToday: Python\n"
)
TRANSCRIBED_TIMEOUT = 120_000  # ms: the model loads and the lecture is heard on a busy machine


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "lecture.mp4"
    make_spoken_video(path, SENTENCES, "ko")
    return path


def test_tracks_uploaded_edited_published_and_auto_captioned(
    site: Site, tabs: Any, lecture: Path, tmp_path: Path
) -> None:
    video = site.ready_video(lecture, "Spoken")
    tab: Tab = tabs()
    page = tab.sign_in(f"{site.url}/console", site.admin_token)
    page.click(f'button.session[data-session-id="{SESSION}"]')
    page.locator("tr.video", has_text="Spoken").locator("button.open-video").click()
    page.click("#tab-captions")
    expect(page.locator("#caption-tracks")).to_contain_text("No captions yet")

    # Upload a SubRip file as English subtitles.
    srt = tmp_path / "english.srt"
    srt.write_text(SRT, encoding="utf-8")
    page.set_input_files("#caption-file", str(srt))
    page.fill("#caption-language", "en")
    page.fill("#caption-label", "English")
    with page.expect_response(f"**/videos/{video}/captions/") as uploaded:
        page.click("#caption-upload-submit")
    assert uploaded.value.status == 201
    english = page.locator('tr.caption-track[data-language="en"]')
    expect(english).to_contain_text("draft")

    # Preview its cues, edit one.
    english.locator("button.caption-preview").click()
    cues = page.locator("#caption-cues textarea.cue-text")
    expect(cues).to_have_count(2)
    cues.nth(1).fill("Today: Python functions")
    with page.expect_response(re.compile(rf"/videos/{video}/captions/en$")) as edited:
        page.click("#caption-cues-save")
    assert edited.value.ok
    assert site.api("GET", f"/videos/{video}/captions/en").json()["version"] == 2
    vtt = site.api("GET", f"/videos/{video}/captions/en.vtt").text
    assert "Today: Python functions" in vtt

    # Publish it, make it the default.
    english = page.locator('tr.caption-track[data-language="en"]')
    english.locator("button.caption-publish").click()
    expect(page.locator('tr.caption-track[data-language="en"]')).to_contain_text("published")
    page.locator('tr.caption-track[data-language="en"] button.caption-default').click()
    default_badge = page.locator('tr.caption-track[data-language="en"] .badge', has_text="default")
    expect(default_badge).to_be_visible()
    expect(page.locator("button.caption-default")).to_have_count(0)  # the tab shown again

    # Auto-captions in Korean: processing with its progress, then the recogniser's draft.
    page.fill("#caption-auto-label", "한국어 (자동)")
    with page.expect_response(f"**/videos/{video}/captions/auto") as started:
        page.click("#caption-auto-submit")
    assert started.value.status == 202
    korean = page.locator('tr.caption-track[data-language="ko"]')
    expect(korean).to_have_attribute("data-status", re.compile("processing|draft"))
    expect(korean).to_have_attribute("data-status", "draft", timeout=TRANSCRIBED_TIMEOUT)
    track = site.api("GET", f"/videos/{video}/captions/ko").json()
    assert (track["source"], track["cue_count"] >= 2) == ("auto", True)
    korean.locator("button.caption-preview").click()
    expect(page.locator("#caption-cues")).to_have_attribute("data-language", "ko")
    expect(page.locator("#caption-cues textarea.cue-text")).to_have_count(track["cue_count"])
    tab.screenshot("console-captions.png")

    # Delete the English track, after a confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('tr.caption-track[data-language="en"] button.caption-delete').click()
    expect(page.locator('tr.caption-track[data-language="en"]')).to_have_count(0)
    languages = [t["language"] for t in site.api("GET", f"/videos/{video}/captions/").json()]
    assert languages == ["ko"]
