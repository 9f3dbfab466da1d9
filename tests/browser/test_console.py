"""The console's other duties in Chromium: a large file goes up in parts with one progress bar;
permissions set for several students at once and per student; the audit timeline and the state at
a version; the CSV export; what staff and students may see."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from academy_video.domain.policy import ClientEventType
from tests.http.conftest import SESSION
from tests.http.test_analytics import CONTRACT_CSV_HEADER
from tests.media import make_video

from .conftest import Site, Tab

READY_TIMEOUT = 120_000
LARGE = 70 * 1024 * 1024  # over the console's 64 MiB single-PUT limit: a multipart upload


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "short.mp4", seconds=4, size=(320, 240))


def _console(site: Site, tabs: Any, token: str | None = None) -> Tab:
    tab: Tab = tabs()
    tab.sign_in(f"{site.url}/console", token or site.admin_token)
    tab.page.click(f'button.session[data-session-id="{SESSION}"]')
    return tab


def _open(page: Page, title: str) -> None:
    page.locator("tr.video", has_text=title).locator("button.open-video").click()
    expect(page.locator("#video-title")).to_have_text(title)


def test_a_large_file_goes_up_in_parts_and_ends_ready(
    site: Site, tabs: Any, source: Path, tmp_path: Path
) -> None:
    # A real MP4 (its index first) followed by padding that demuxers skip: 70 MiB on the wire.
    large = tmp_path / "long-lecture.mp4"
    with large.open("wb") as out:
        out.write(source.read_bytes())
        out.truncate(LARGE)
    page = _console(site, tabs).page
    page.fill("#upload-title", "Large")
    page.set_input_files("#upload-file", str(large))
    parts: list[str] = []
    page.on("request", lambda r: parts.append(r.url) if "/media/multipart/" in r.url else None)
    page.evaluate(
        "() => { const status = document.getElementById('upload-status'); window.seen = [];"
        " new MutationObserver(() => window.seen.push(status.textContent))"
        ".observe(status, {childList: true, characterData: true, subtree: true}); }"
    )
    with page.expect_response("**/upload/multipart/complete/") as joined:
        page.click("#upload-submit")
    assert joined.value.json()["size"] == LARGE
    assert len(parts) >= 2  # each part its own PUT
    row = page.locator("tr.video", has_text="Large")
    expect(row.locator("td.status")).to_have_text("READY", timeout=READY_TIMEOUT)
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    expect(page.locator("#upload-status")).to_contain_text("Uploaded")
    # The bar moved with the bytes sent, not only to 100 at the end.
    steps = {int(t.split("… ")[1].rstrip("%")) for t in page.evaluate("window.seen") if "%" in t}
    assert any(0 < step < 100 for step in steps), steps


def test_a_file_that_is_not_a_video_is_refused_readably(
    site: Site, tabs: Any, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_bytes(b"these are lecture notes, not a video\n" * 100)
    page = _console(site, tabs).page
    page.fill("#upload-title", "Notes")
    page.set_input_files("#upload-file", str(notes))
    page.click("#upload-submit")
    expect(page.locator("#upload-status")).to_contain_text("invalid_media:")
    expect(page.locator("#alert")).to_be_visible()


def test_permissions_audit_and_export(site: Site, tabs: Any, source: Path) -> None:
    video = site.ready_video(source, "Rules")
    tab = _console(site, tabs)
    page = tab.page
    _open(page, "Rules")

    # Bulk: two students blocked at once.
    page.click("#tab-students")
    for enrollment in (101, 102):
        page.locator(f'tr.student[data-enrollment-id="{enrollment}"] input.select-student').check()
    page.select_option("#bulk-rule", "blocked")
    with page.expect_response("**/video-permissions/bulk_set/") as bulk:
        page.click("#bulk-apply")
    assert bulk.value.status == 200
    # One student: back to free, seeking refused.
    row = page.locator('tr.student[data-enrollment-id="102"]')
    expect(row.locator("select.rule")).to_have_value("blocked")
    row.locator("select.rule").select_option("free")
    row.locator("input.block-seek").check()
    with page.expect_response("**/video-permissions/**") as saved:
        row.locator("button.save-permission").click()
    assert saved.value.ok
    rules = {
        p["enrollment"]: (p["rule"], p["block_seek"])
        for p in site.api("GET", f"/video-permissions/?video={video}").json()
    }
    assert rules == {101: ("blocked", False), 102: ("free", True)}
    # The student sees why they cannot play.
    student = tabs()
    student.sign_in(f"{site.url}/player", site.token("student", 1001))
    card = student.page.locator(".video-card", has_text="Rules")
    expect(card).to_contain_text("blocked this video")

    # Audit: every stored event of the video in order; the state at the first version.
    page.click("#tab-audit")
    timeline = page.locator("#audit-timeline li.audit-event")
    stored = site.api("GET", f"/audit/videos/{video}/events").json()
    expect(timeline).to_have_count(len(stored))
    timeline.first.click()
    expect(page.locator("#audit-state")).to_contain_text("PENDING")
    timeline.last.click()
    expect(page.locator("#audit-state")).to_contain_text("READY")
    tab.screenshot("console-audit.png")

    # Export: the contract's CSV header.
    page.click("#tab-risk")
    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename == f"video-{video}-events.csv"
    text = Path(download.value.path()).read_text()
    header = next(csv.reader(io.StringIO(text)))
    assert header == CONTRACT_CSV_HEADER


def test_the_event_filters_are_the_servers(site: Site, tabs: Any, source: Path) -> None:
    """The Events tab's type chips list exactly the server's event types, in its order, and the
    range menus its ranges, under the labels the console always showed, each starting on the
    server's default (the console keeps no copy)."""
    served = site.api("GET", "/video-playback-events/filters").json()
    assert served["event_types"] == [t.value for t in ClientEventType]
    site.ready_video(source, "Filters")
    page = _console(site, tabs).page
    _open(page, "Filters")

    page.click("#tab-events")
    chips = page.locator('#events-types input[name="event_type"]')
    expect(chips).to_have_count(len(served["event_types"]))
    assert [chip.get_attribute("value") for chip in chips.all()] == served["event_types"]
    assert page.locator("#events-types label.chip").all_text_contents() == served["event_types"]
    labels = {"24h": "Last 24 hours", "7d": "Last 7 days", "all": "All time"}
    expected = [(r["key"], labels[r["key"]]) for r in served["ranges"]]
    defaults = served["default_ranges"]
    for menu, chosen in (
        ("#events-range", defaults["events"]),
        ("#risk-range", defaults["risk"]),
        ("#summary-range", defaults["summary"]),
    ):
        page.click(f"#tab-{menu[1:].split('-')[0]}")
        options = page.locator(f"{menu} option")
        expect(options).to_have_count(len(expected))
        shown = [(o.get_attribute("value"), o.text_content()) for o in options.all()]
        assert shown == expected, menu
        expect(page.locator(menu)).to_have_value(chosen)


def test_staff_do_not_see_the_audit_and_students_do_not_get_in(
    site: Site, tabs: Any, source: Path
) -> None:
    site.ready_video(source, "Staff view")
    page = _console(site, tabs, site.token("staff", 7)).page
    _open(page, "Staff view")
    page.click("#tab-audit")
    expect(page.locator("#audit-denied")).to_contain_text("auditors only")

    student = tabs()
    page = student.sign_in(f"{site.url}/console", site.token("student", 1001))
    expect(page.locator("form.login .error")).to_contain_text("student")
    expect(page.locator("button.session")).to_have_count(0)
