"""The reference player's rules, one at a time, in Chromium: the speed cap, a policy change in the
middle of playback, seeking bounded to what was watched, and the moving watermark."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.media import make_video

from .conftest import PLAYING, Site, play, serving


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "lecture.mp4"
    return make_video(path, seconds=20, size=(320, 240), gop_seconds=1)


def _events(site: Site, video: int, enrollment: int, kind: str) -> list[dict[str, Any]]:
    path = f"/video-playback-events/?video={video}&enrollment={enrollment}&event_type={kind}"
    rows: list[dict[str, Any]] = site.api("GET", path).json()
    return rows


def _set_rate(page: Page, rate: float, answer: int = 201) -> None:
    with page.expect_response(re.compile(r"/api/v1/playback/events")) as sent:
        page.evaluate(f"document.getElementById('video').playbackRate = {rate}")
    assert sent.value.status == answer


def test_speed_is_capped_and_a_policy_change_asks_to_continue_under_the_new_rules(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Speed", max_speed=1.5)
    tab = play(site, tabs, 1002, "Speed")
    page = tab.page
    options = page.eval_on_selector_all("#rate option", "os => os.map(o => Number(o.value))")
    assert max(options) == 1.5
    page.select_option("#rate", "1.5")
    assert page.evaluate("document.getElementById('video').playbackRate") == 1.5

    _set_rate(page, 2)  # past the cap by any other means: put back and reported
    assert page.evaluate("document.getElementById('video').playbackRate") == 1.5
    expect(page.locator("#notice")).to_contain_text("capped at 1.5×")
    attempts = _events(site, video, 102, "SPEED_CHANGE_ATTEMPT")
    assert [(a["event_payload"]["requested"], a["violated"]) for a in attempts] == [(2, False)]

    # The instructor takes the speed control away while the student watches.
    granted = site.api(
        "POST",
        "/video-permissions/",
        json={"video": video, "enrollment": 102, "rule": "free", "block_speed_control": True},
    )
    assert granted.status_code == 201, granted.text
    _set_rate(page, 2, answer=403)  # the next call (here the attempt's report) learns of it
    expect(page.locator("#notice")).to_contain_text("changed the rules")
    with page.expect_response("**/playback/start/") as restarted:
        page.click("#player-next")
    renewed = restarted.value.json()["session_id"]
    assert renewed != tab.session
    assert _kinds(site, tab.session)[-1] == "Ended"  # its slot freed
    tab.wait_until(PLAYING)
    expect(page.locator("#rules")).to_contain_text("speed fixed at 1×")
    expect(page.locator("#rate")).to_be_disabled()
    # Leaving now ends the new session (the page's hooks follow the session that replaced one).
    page.goto("about:blank")
    _until_ended(site, renewed)


def test_a_batch_refused_with_429_is_kept_and_sent_again_after_retry_after(
    site: Site, tabs: Any, source: Path
) -> None:
    """Past the session's event budget the server answers 429 with Retry-After: the player
    keeps the batch, sends nothing before the wait, then sends it again (stored once)."""
    video = site.ready_video(source, "Budget", max_speed=1.5)
    tab = play(site, tabs, 1001, "Budget")
    page, sent = tab.page, []

    def over_budget_once(route: Route) -> None:
        body = route.request.post_data_json
        assert body is not None  # the player posts its batch as JSON
        sent.append(body["events"])
        if len(sent) == 1:
            route.fulfill(status=429, headers={"Retry-After": "8"}, json={"detail": "rate_limited"})
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/playback/events"), over_budget_once)
    _set_rate(page, 2, answer=429)  # an attempt is sent at once, then the session checked
    # Another one during the wait: its report asks for a flush, which sends nothing; the
    # heartbeat that follows a flush is what goes out.
    with page.expect_request("**/playback/heartbeat/"):
        page.evaluate("document.getElementById('video').playbackRate = 3")
    assert len(sent) == 1
    with page.expect_response(re.compile(r"/api/v1/playback/events"), timeout=30_000) as later:
        pass  # the next flush after the wait
    assert later.value.status == 201
    refused, again = sent[0], sent[1]
    assert again[: len(refused)] == refused  # kept whole, in order, before what came since
    speeds = [e["payload"]["requested"] for e in again if e["type"] == "SPEED_CHANGE_ATTEMPT"]
    assert speeds == [2, 3]
    attempts = _events(site, video, 101, "SPEED_CHANGE_ATTEMPT")
    assert sorted(a["event_payload"]["requested"] for a in attempts) == [2, 3]  # once each


def test_once_rule_lets_the_student_rewatch_but_not_skip_ahead(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Bounded", allow_skip=True)
    granted = site.api(
        "POST", "/video-permissions/", json={"video": video, "enrollment": 103, "rule": "once"}
    )
    assert granted.status_code == 201, granted.text
    tab = play(site, tabs, 1003, "Bounded")
    page = tab.page
    expect(page.locator("#rules")).to_contain_text("only up to what you have already watched")
    tab.wait_until("() => document.getElementById('video').currentTime > 2")

    back = "(v) => { v.currentTime = 0.2; }"
    page.eval_on_selector("#video", back)  # rewatching is allowed: no report, no revert
    tab.wait_until("() => document.getElementById('video').currentTime < 1.5")
    expect(page.locator("#notice")).to_be_empty()

    tab.watch_normally()
    with page.expect_response(re.compile(r"/api/v1/playback/events")):
        page.eval_on_selector("#video", "(v) => { v.currentTime = 18; }")
    expect(page.locator("#notice")).to_contain_text("only up to")
    assert page.evaluate("document.getElementById('video').currentTime") < 6
    (attempt,) = _events(site, video, 103, "SEEK_ATTEMPT")
    assert attempt["violated"] is True
    assert attempt["violation_reason"] == "seek_bounded_forward"

    # Within the grace a skip ahead passes, but what plays after it does not count as watched:
    # hops of the grace's length cannot walk through the video.
    # Played on past anything watched before (2.x s), the furthest point is where it plays.
    tab.wait_until("() => document.getElementById('video').currentTime > 3.5")
    watched = page.evaluate("document.getElementById('video').currentTime")
    hop = "(v, to) => { v.currentTime = to; }"
    page.eval_on_selector("#video", hop, watched + 2.5)
    tab.wait_until(f"() => document.getElementById('video').currentTime > {watched + 3}")
    ahead = page.evaluate("document.getElementById('video').currentTime") + 2.5
    with page.expect_response(re.compile(r"/api/v1/playback/events")):
        page.eval_on_selector("#video", hop, ahead)
    assert len(_events(site, video, 103, "SEEK_ATTEMPT")) == 2  # the second hop, not the first


def test_watermark_shows_the_user_and_moves(site: Site, tabs: Any, source: Path) -> None:
    site.ready_video(source, "Marked", show_watermark=True)
    tab = play(site, tabs, 1001, "Marked")
    mark = tab.page.locator("#watermark")
    expect(mark).to_be_visible()
    expect(mark).to_have_text("user 1001")
    first = mark.evaluate("m => m.style.left + m.style.top")
    tab.wait_until(
        "first => { const m = document.getElementById('watermark');"
        " return m.style.left + m.style.top !== first; }",
        first,
    )
    # Taken out of the page by hand, it comes back.
    tab.page.evaluate("document.getElementById('watermark').remove()")
    tab.wait_until("() => document.getElementById('watermark') !== null")
    tab.screenshot("player-watermark.png")


def test_a_device_limit_is_explained_to_the_student(
    tabs: Any, source: Path, tmp_path: Path
) -> None:
    with serving(tmp_path, ACADEMY_VIDEO_MAX_DEVICES="1") as site:
        site.ready_video(source, "Limited")
        play(site, tabs, 1001, "Limited")  # on one device (its own browser storage) …
        second = tabs()  # … and then on another
        page = second.sign_in(f"{site.url}/player", site.token("student", 1001))
        with page.expect_response(re.compile(r"/api/v1/playback/start")) as start:
            page.locator(".video-card", has_text="Limited").locator("button.play").click()
        assert start.value.status == 409
        expect(page.locator("#notice")).to_contain_text("maximum number of devices")
        expect(page.locator("#player-back")).to_be_visible()


def test_leaving_the_page_sends_what_is_queued_and_ends_the_session(
    site: Site, tabs: Any, source: Path
) -> None:
    """The end carries what is queued: one keepalive request, so the events cannot arrive after
    the end (as two requests they could, and were then refused)."""
    video = site.ready_video(source, "Leaving")
    tab = tabs()
    # A blur as the page goes: queued, not yet sent, when the player's pagehide runs (this
    # listener comes first). A blur sent earlier could meet the player's 5 s flush on its way.
    tab.context.add_init_script(
        "addEventListener('pagehide', () => dispatchEvent(new Event('blur')))"
    )
    play(site, tabs, 1002, "Leaving", tab=tab)
    page, session = tab.page, tab.session

    page.goto("about:blank")  # pagehide: the end, a keepalive request, outlives the page
    _until_ended(site, session)
    assert [e["event_type"] for e in _events(site, video, 102, "FOCUS_LOST")] == ["FOCUS_LOST"]
    # Stored by the end itself, just before the session ended.
    *_, carried, ended = site.api("GET", f"/audit/playback-sessions/{session}/events").json()
    assert (carried["type"], ended["type"]) == ("EventsReported", "Ended")
    assert "FOCUS_LOST" in [item["type"] for item in carried["data"]["items"]]


def _until_ended(site: Site, session: str) -> None:
    """The end request is a keepalive one: it finishes after the page is gone, unseen by it."""
    deadline = time.monotonic() + 10
    while _kinds(site, session)[-1] != "Ended":
        assert time.monotonic() < deadline, _kinds(site, session)
        time.sleep(0.05)


def _kinds(site: Site, session: str) -> list[str]:
    history = site.api("GET", f"/audit/playback-sessions/{session}/events").json()
    return [e["type"].rsplit(".", 1)[-1] for e in history]


def test_a_page_opened_as_localhost_plays_the_media_signed_for_127_0_0_1(
    site: Site, tabs: Any, source: Path
) -> None:
    """The service signs its own URLs with the host it serves on; a page reached under another
    loopback name must still upload and play (the CSP allows only its own origin)."""
    site.ready_video(source, "Elsewhere")
    play(site, tabs, 1003, "Elsewhere", url=site.url.replace("127.0.0.1", "localhost"))


def test_heartbeats_carry_the_position_and_feed_progress(
    site: Site, tabs: Any, source: Path
) -> None:
    video = site.ready_video(source, "Beating", allow_skip=True)
    tab = play(site, tabs, 1002, "Beating")
    with tab.page.expect_request("**/playback/heartbeat/", timeout=20_000) as beat:
        pass  # the player beats every 10 s while the session lives
    body = beat.value.post_data_json
    assert body is not None
    assert body["token"] and body["playback_rate"] == 1
    assert body["position"] > 1
    deadline = time.monotonic() + 15  # the service writes heartbeats together (every 5 s)
    while not (rows := site.api("GET", f"/video-progress/?video={video}&enrollment=102").json()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert rows[0]["last_position"] > 1


# The event queue's keepalive bodies, in the page (its own module, as the player loads it).
ENDING = """async ([count, details, token, holding]) => {
  const { EventQueue, KEEPALIVE_BODY_MAX } = await import("/static/player/event-queue.js");
  const queue = new EventQueue(() => token, async () => {});
  for (let i = 0; i < count; i++) queue.add("PLAYER_ERROR", { i, details });
  if (holding) queue.holdUntil = Date.now() + 60_000;
  const body = queue.endBody(token);
  const size = (value) => new TextEncoder().encode(JSON.stringify(value)).length;
  return { size: size(body), max: KEEPALIVE_BODY_MAX, order: body.events.map((e) => e.payload.i),
           one: size(body.events[0] || {}), left: queue.queue.length, closed: queue.closed };
}"""


@pytest.mark.parametrize(
    ("count", "details", "carried"),
    [(250, "", 200), (300, "x" * 400, None)],  # a batch at most; under the cap, what fits
)
def test_the_end_carries_what_fits_one_keepalive_request(
    site: Site, tabs: Any, count: int, details: str, carried: int | None
) -> None:
    page = tabs().sign_in(f"{site.url}/player", site.token("student", 1002))
    token = "t" * 600
    body = page.evaluate(ENDING, [count, details, token, False])
    assert body["max"] * 2 <= 64 * 1024  # the browsers' budget, for two in flight
    assert body["size"] <= body["max"]
    assert body["order"] == list(range(len(body["order"])))  # the oldest, in order
    if carried is not None:
        assert len(body["order"]) == carried
    else:
        assert 0 < len(body["order"]) < 200
        assert body["size"] + body["one"] + 1 > body["max"]  # the next would not fit
    assert (body["left"], body["closed"]) == (0, True)  # the page is going: nothing else leaves
    held = page.evaluate(ENDING, [3, "", token, True])
    assert (held["order"], held["left"]) == ([], 0)  # past the budget the end goes alone
