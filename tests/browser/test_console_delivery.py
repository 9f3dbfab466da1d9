"""The console's video card shows what a READY video costs to deliver: GB per viewer-hour at
each quality, tallest first; nothing for a video that is not READY."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.http.conftest import SESSION
from tests.media import make_video

from .conftest import Site, Tab


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "ladder.mp4", seconds=4, size=(854, 480))


def test_a_ready_videos_card_shows_its_bytes_per_hour_per_rung(
    site: Site, tabs: Any, source: Path
) -> None:
    video_id = site.ready_video(source, "Delivery figures")
    figures = site.api("GET", f"/videos/{video_id}/delivery").json()
    assert [r["name"] for r in figures["rungs"]] == ["360p", "480p"]
    pending = site.api(
        "POST",
        "/videos/upload/init",
        json={"session": SESSION, "title": "Not yet uploaded", "filename": "x.mp4"},
    ).json()["video"]["id"]

    tab: Tab = tabs()
    page = tab.sign_in(f"{site.url}/console", site.admin_token)
    page.click(f'button.session[data-session-id="{SESSION}"]')
    page.locator("tr.video", has_text="Delivery figures").locator("button.open-video").click()
    delivery = page.locator("#video-delivery")
    expect(delivery).to_be_visible()
    expect(delivery).to_have_text(
        re.compile(r"^Per viewer-hour: [0-9.]+ GB/h at 480p · [0-9.]+ GB/h at 360p$")
    )
    shown = {
        name: float(value)
        for value, name in re.findall(r"([0-9.]+) GB/h at (\d+p)", delivery.inner_text())
    }
    for rung in figures["rungs"]:
        assert shown[rung["name"]] == pytest.approx(rung["bytes_per_hour"] / 1e9, abs=0.006)
    assert "Every quality stored" in (delivery.get_attribute("title") or "")
    tab.screenshot("console-delivery.png")

    page.locator("tr.video", has_text="Not yet uploaded").locator("button.open-video").click()
    expect(page.locator("#video-title")).to_have_text("Not yet uploaded")
    expect(page.locator("#video-delivery")).to_be_hidden()
    assert site.api("GET", f"/videos/{pending}/delivery").json()["rungs"] == []
