"""End to end in Chromium: an admin uploads through the console and sees the video READY; students
play it (AES-128) under the policy; blocked seeks are reverted and reported, the third revokes
the session and the player says so; the console's risk list then shows that student first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.http.conftest import SESSION
from tests.media import make_video

from .conftest import Site, Tab, play

READY_TIMEOUT = 120_000  # ms: the embedded worker transcodes the upload meanwhile


def _upload_through_console(site: Site, tabs: Any, source: Path, title: str) -> tuple[Tab, int]:
    admin = tabs()
    page = admin.sign_in(f"{site.url}/console", site.admin_token)
    page.click(f'button.session[data-session-id="{SESSION}"]')
    page.fill("#upload-title", title)
    page.set_input_files("#upload-file", str(source))
    page.click("#upload-submit")
    row = page.locator("tr.video", has_text=title)
    expect(row.locator("td.status")).to_have_text("READY", timeout=READY_TIMEOUT)
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    return admin, int(row.get_attribute("data-video-id") or 0)


def _seek_with_the_bar(page: Page, to: float) -> None:
    """What a drag of the position bar does: the value, then ``change`` on release."""
    with page.expect_response(re.compile(r"/api/v1/playback/events")) as sent:
        page.eval_on_selector(
            "#seek",
            "(bar, to) => { bar.value = String(to); bar.dispatchEvent(new Event('input'));"
            " bar.dispatchEvent(new Event('change')); }",
            to,
        )
    assert sent.value.status == 201


def test_upload_play_revoke_and_risk(site: Site, tabs: Any, tmp_path: Path) -> None:
    source = make_video(tmp_path / "limits.mp4", seconds=20, size=(320, 240), gop_seconds=1)
    admin, video_id = _upload_through_console(site, tabs, source, "Limits, part 1")
    admin.screenshot("console-videos.png")

    # A classmate who looks away twice: some risk, less than seeking against the rules.
    classmate = play(site, tabs, 1002, "Limits, part 1")
    assert classmate.key_status == 200  # the AES-128 key, through its signed URL
    other = classmate.page
    for _ in range(2):
        other.evaluate("window.dispatchEvent(new Event('blur'))")
    with other.expect_response(re.compile(r"/api/v1/playback/end")):
        other.click("#stop")

    student = play(site, tabs, 1001, "Limits, part 1")
    assert student.key_status == 200
    page = student.page
    expect(page.locator("#rules")).to_contain_text("seeking is off")
    expect(page.locator("#watermark")).to_have_text("user 1001")  # the default: watermarked
    student.watch_normally()
    _seek_with_the_bar(page, 15)
    expect(page.locator("#notice")).to_contain_text("Seeking is not allowed")
    assert page.evaluate("document.getElementById('video').currentTime") < 8  # put back
    reported = site.api(
        "GET", f"/video-playback-events/?video={video_id}&enrollment=101&event_type=SEEK_ATTEMPT"
    ).json()
    assert len(reported) == 1
    assert reported[0]["violated"] is True
    assert reported[0]["violation_reason"] == "seek_free"
    assert reported[0]["event_payload"]["to"] == 15

    _seek_with_the_bar(page, 16)
    _seek_with_the_bar(page, 17)
    expect(page.locator("#notice")).to_contain_text("revoked", timeout=15_000)
    expect(page.locator("#player-back")).to_be_visible()
    assert page.evaluate("document.getElementById('video').paused")
    student.screenshot("player-revoked.png")

    # The console's risk ranking: the student who seeked first, then the one who looked away.
    page = admin.page
    page.locator("tr.video", has_text="Limits, part 1").locator("button.open-video").click()
    admin.wait_until("() => document.getElementById('video-thumb')?.naturalWidth > 0")
    page.click("#tab-risk")
    rows = page.locator("#risk-list li.risk-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-enrollment-id", "101")
    expect(rows.nth(1)).to_have_attribute("data-enrollment-id", "102")
    rows.nth(0).click()
    expect(page.locator("#risk-events")).to_contain_text("SEEK_ATTEMPT")
    admin.screenshot("console-risk.png")
